// A layer's items through a rule set, as the writer will write them (sorted, deduplicated, deletes and
// hardlink groups applied), for tests that look at items rather than tar bytes.
import type { LayerSource } from '../../src/image/layer-items.js';
import { LayerItems } from '../../src/image/layer-items.js';
import type { ApplyContext } from '../../src/rules/apply.js';
import { addNormalized } from '../../src/rules/normalize-layer.js';
import type { RuleSet } from '../../src/rules/types.js';

export async function applyRulesToLayer(items: LayerSource[], rules: RuleSet, ctx: ApplyContext): Promise<LayerSource[]> {
  const store = new LayerItems();
  try {
    await addNormalized(store, items, rules, ctx);
    const out: LayerSource[] = [];
    for (const item of store.canonical()) out.push(item);
    return out;
  } finally {
    store.close();
  }
}
