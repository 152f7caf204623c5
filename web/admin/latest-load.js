// A list view's loads, where the last one started wins.
import { withLoading } from "../ui.js";

/**
 * `withLoading` for one list view whose loads supersede each other: when a load starts while an
 * earlier one is still running, the earlier one's answer is dropped when it comes (it resolves
 * `{ ok: false, superseded: true }`). A filter submitted during the view's first load therefore
 * stays on screen instead of being overwritten by that load's late, unfiltered answer.
 */
export function latestLoad() {
  let latest = 0;
  return async function load(label, control, action) {
    const mine = ++latest;
    const result = await withLoading(label, control, action);
    return mine === latest ? result : { ok: false, superseded: true };
  };
}
