import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nameBytes, nameFromBytes } from '../../src/core/name-bytes.js';
import { printable } from '../../src/core/printable.js';

test('every byte string survives nameFromBytes → nameBytes; valid UTF-8 reads as plain text', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    assert.deepEqual(nameBytes(nameFromBytes(bytes)), Buffer.from(bytes));
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 32 }), (s) => {
    assert.equal(nameFromBytes(Buffer.from(s, 'utf8')), s);
  }));
});

test('Latin-1, overlong forms, encoded surrogates and cut sequences are escaped byte by byte', () => {
  for (const hex of ['636166e9', 'c0af', 'eda080', 'e282', 'f4908080', 'ff']) {
    const bytes = Buffer.from(hex, 'hex');
    const name = nameFromBytes(bytes);
    assert.notEqual(name, bytes.toString('utf8'), hex);
    assert.deepEqual(nameBytes(name), bytes, hex);
  }
  assert.equal(printable(nameFromBytes(Buffer.from('café', 'latin1'))), 'caf\\xe9');
});

test('printable escapes controls, bidi overrides and non-UTF-8 bytes, and keeps lines only when asked', () => {
  assert.equal(printable('a\x1b[31mb\x07'), 'a\\x1b[31mb\\x07');
  assert.equal(printable('\u009b2J \u202egnp.exe'), '\\x9b2J \\u{202e}gnp.exe');
  assert.equal(printable('x\ny\tz'), 'x\\x0ay\\x09z');
  assert.equal(printable('x\ny\tz\x1b', { multiline: true }), 'x\ny\tz\\x1b');
  assert.equal(printable('ok 😀 é'), 'ok 😀 é');
});
