import Stripe from "stripe";
import type { Plan } from "../../shared/billing/plans";
import type { StripeEmulator } from "./emulator";
import { stringParam } from "./form";
import { paginate, rejectUnknown, StripeApiError, stripeId, unixNow } from "./store";

const PRICES = "prices";
const PRODUCTS = "products";

function newProduct(plan: Plan, created: number): Stripe.Product {
  return {
    id: stripeId("prod"),
    object: "product",
    active: true,
    created,
    default_price: plan.priceId,
    description: null,
    images: [],
    livemode: false,
    marketing_features: plan.features.map((name) => ({ name })),
    metadata: { plan_id: plan.id },
    name: plan.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: created,
    url: null,
  };
}

function newPrice(plan: Plan, product: string, created: number): Stripe.Price {
  return {
    id: plan.priceId,
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created,
    currency: plan.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: plan.id,
    metadata: { plan_id: plan.id },
    nickname: plan.name,
    product,
    recurring: {
      interval: plan.interval,
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: "licensed",
    },
    tax_behavior: "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: "recurring",
    unit_amount: plan.amount,
    unit_amount_decimal: Stripe.Decimal.from(String(plan.amount)),
  };
}

/** Creates one product and one recurring price (id = plan.priceId, lookup_key = plan.id) per plan. */
export function seedPlans(emulator: StripeEmulator, plans: Plan[]): void {
  const created = unixNow();
  for (const plan of plans) {
    const product = emulator.store.put(PRODUCTS, newProduct(plan, created));
    emulator.store.put(PRICES, newPrice(plan, product.id, created));
  }
}

/** Reads a price, 404 like Stripe when unknown. */
export function requirePrice(emulator: StripeEmulator, id: string, param = "id"): Stripe.Price {
  const price = emulator.store.get<Stripe.Price>(PRICES, id);
  if (!price) throw StripeApiError.missing("price", id, param);
  return price;
}

/** The product a price belongs to. */
export function productOf(emulator: StripeEmulator, price: Stripe.Price): Stripe.Product {
  const id = typeof price.product === "string" ? price.product : price.product.id;
  const product = emulator.store.get<Stripe.Product>(PRODUCTS, id);
  if (!product) throw StripeApiError.missing("product", id);
  return product;
}

/** The legacy Plan view of a recurring price, as subscription items still carry it. */
export function planOfPrice(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? "month",
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: "licensed",
  };
}

/** /v1/prices and /v1/products (read-only; seeded from the plans). */
export function registerPriceRoutes(emulator: StripeEmulator): void {
  emulator.route("GET", "/v1/prices/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    return requirePrice(emulator, params.id ?? "");
  });

  emulator.route("GET", "/v1/prices", ({ form, path }) => {
    rejectUnknown(form, [
      "active",
      "currency",
      "lookup_keys",
      "product",
      "type",
      "limit",
      "starting_after",
      "ending_before",
      "expand",
    ]);
    const active = stringParam(form, "active");
    const currency = stringParam(form, "currency");
    const product = stringParam(form, "product");
    const type = stringParam(form, "type");
    const lookupKeys = Array.isArray(form.lookup_keys) ? form.lookup_keys : undefined;
    const prices = emulator.store
      .all<Stripe.Price>(PRICES)
      .filter((price) => active === undefined || String(price.active) === active)
      .filter((price) => currency === undefined || price.currency === currency)
      .filter((price) => product === undefined || price.product === product)
      .filter((price) => type === undefined || price.type === type)
      .filter((price) => lookupKeys === undefined || lookupKeys.includes(price.lookup_key ?? ""));
    return paginate(prices, form, path);
  });

  emulator.route("GET", "/v1/products/:id", ({ params, form }) => {
    rejectUnknown(form, ["expand"]);
    const product = emulator.store.get<Stripe.Product>(PRODUCTS, params.id ?? "");
    if (!product) throw StripeApiError.missing("product", params.id ?? "");
    return product;
  });

  emulator.route("GET", "/v1/products", ({ form, path }) => {
    rejectUnknown(form, ["active", "limit", "starting_after", "ending_before", "expand"]);
    const active = stringParam(form, "active");
    const products = emulator.store
      .all<Stripe.Product>(PRODUCTS)
      .filter((product) => active === undefined || String(product.active) === active);
    return paginate(products, form, path);
  });
}
