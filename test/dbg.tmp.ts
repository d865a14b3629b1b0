import { blobFromBuffer } from '../src/compare/blob.js';
import { compareContent, newContentContext } from '../src/compare/content.js';
import { CLOCKS, mutatedPair } from './fixtures/honesty.js';
import { ev } from './helpers/evidence.js';
for (const seed of [2012566156, 396728539]) {
  const p = await mutatedPair(seed);
  const f = await compareContent(blobFromBuffer('f', p.a), blobFromBuffer('f', p.b), newContentContext({ clocks: CLOCKS }));
  console.log(seed, p.carrier, p.mutation, f.map((x) => [x.inner, x.category, ev(x)]));
  if (p.carrier !== 'raw') console.log(JSON.stringify(p.a.toString('latin1').slice(0, 400)), '\n', JSON.stringify(p.b.toString('latin1').slice(0, 400)));
}
