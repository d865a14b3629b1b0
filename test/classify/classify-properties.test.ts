import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifyText } from '../../src/classify/index.js';
import { ev } from '../helpers/evidence.js';

const none = { variations: [] };
const word = fc.stringMatching(/^[a-z]{3,12}( [a-z]{1,8}){0,3}$/);

test('property: any reordering of distinct lines is ordering', () => {
  fc.assert(
    fc.property(fc.uniqueArray(word, { minLength: 2, maxLength: 30 }), (lines) => {
      const shuffled = [...lines.slice(1), lines[0]!];
      const c = classifyText(lines.join('\n') + '\n', shuffled.join('\n') + '\n', none);
      assert.equal(c.category, 'ordering');
    }),
  );
});

test('property: two different 32-hex ids in the same text are random-id', () => {
  const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/).filter((s) => /[a-f]/.test(s));
  fc.assert(
    fc.property(word, hex32, hex32, (prefix, x, y) => {
      fc.pre(x !== y);
      const c = classifyText(`${prefix} ${x}\n`, `${prefix} ${y}\n`, none);
      assert.equal(c.category, 'random-id');
      assert.match(ev(c), /^32-hex token differs on line 1/);
    }),
  );
});

test('property: epochs near the clocks and ISO dates are timestamps', () => {
  const epoch = fc.integer({ min: 1_000_000_000, max: 1_900_000_000 });
  fc.assert(
    fc.property(word, epoch, epoch, fc.integer({ min: -1500, max: 1500 }), fc.integer({ min: -1500, max: 1500 }), (prefix, x, y, da, db) => {
      fc.pre(x !== y && x + da !== y + db);
      const clocks = [{ a: x, b: y, slack: 3600, source: 'build clocks' }];
      assert.equal(classifyText(`${prefix} ${x + da}\n`, `${prefix} ${y + db}\n`, { variations: [], clocks }).category, 'timestamp');
      const iso = (s: number): string => new Date(s * 1000).toISOString();
      assert.equal(classifyText(`${prefix} ${iso(x + da)}\n`, `${prefix} ${iso(y + db)}\n`, { variations: [], clocks }).category, 'timestamp');
      // Without a clock one ISO time alone proves nothing: a digit of it may have been edited.
      assert.equal(classifyText(`${prefix} ${iso(x)}\n`, `${prefix} ${iso(y)}\n`, none).category, 'content');
    }),
  );
});

test('property: a changed word is content, never a masked category', () => {
  fc.assert(
    fc.property(word, word, (x, y) => {
      fc.pre(x !== y);
      assert.equal(classifyText(`key = ${x}\nother\n`, `key = ${y}\nother\n`, none).category, 'content');
    }),
  );
});
