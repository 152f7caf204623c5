import { escapeHtml } from "../http-util";

/** Zero-decimal currencies: amounts are whole units, not cents. */
const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

/** "$9.00" for usd, "12.50 EUR" otherwise, as Stripe's messages and pages show amounts. */
export function formatMoney(amount: number, currency: string): string {
  const units = ZERO_DECIMAL.has(currency) ? String(amount) : (amount / 100).toFixed(2);
  return currency === "usd" ? `$${units}` : `${units} ${currency.toUpperCase()}`;
}

/** A unix time as an ISO date (UTC). */
export function formatDate(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}

/** Tagged template that escapes interpolated values; nest with `raw()` for trusted HTML. */
export function html(strings: TemplateStringsArray, ...values: (string | number | RawHtml)[]): RawHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += value instanceof RawHtml ? value.text : escapeHtml(String(value));
    out += strings[i + 1] ?? "";
  });
  return new RawHtml(out);
}

/** HTML that is already safe. */
export class RawHtml {
  constructor(readonly text: string) {}
}

/** Joins fragments into one. */
export function join(fragments: RawHtml[]): RawHtml {
  return new RawHtml(fragments.map((fragment) => fragment.text).join(""));
}

/** A whole page in the emulator's plain look. */
export function page(title: string, body: RawHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1a1f36; }
.note { color: #697386; font-size: 0.85rem; }
.card { border: 1px solid #e3e8ee; border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
.amount { font-size: 2rem; font-weight: 600; }
button { font: inherit; padding: 0.5rem 1.25rem; border: 0; border-radius: 6px; background: #635bff; color: #fff; cursor: pointer; }
button.secondary { background: #e3e8ee; color: #1a1f36; }
form { display: inline; }
</style>
</head>
<body>
<p class="note">Local Stripe emulator (test mode)</p>
${body}
</body>
</html>`.text;
}
