import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeEpoch, resolveEpoch } from '../../src/builder/epoch.js';
import { parseManifest } from '../../src/builder/manifest-schema.js';
import { testDir } from '../helpers/tmp.js';

test('epoch: manifest, then SOURCE_DATE_EPOCH, then the git commit time, then 0', async (t) => {
  const dir = await testDir(t, 'repro-epoch-');
  const path = join(dir, 'manifest.yml');
  await writeFile(path, 'name: a\nbase: scratch\n');
  const m = parseManifest('name: a\nbase: scratch\n', path);
  assert.deepEqual(await resolveEpoch({ ...m, epoch: 42 }, { SOURCE_DATE_EPOCH: '7' }), { epoch: 42, source: 'manifest' });
  assert.deepEqual(await resolveEpoch(m, { SOURCE_DATE_EPOCH: '7' }), { epoch: 7, source: 'environment' });
  assert.deepEqual(await resolveEpoch(m, {}), { epoch: 0, source: 'default' });
  const git = (...args: string[]): void => {
    execFileSync('git', args, {
      cwd: dir,
      env: { ...process.env, GIT_AUTHOR_DATE: '@1600000000 +0000', GIT_COMMITTER_DATE: '@1600000000 +0000' },
      stdio: 'ignore',
    });
  };
  git('init', '-q');
  git('add', 'manifest.yml');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'm');
  assert.deepEqual(await resolveEpoch(m, {}), { epoch: 1600000000, source: 'git' });
  await assert.rejects(resolveEpoch(m, { SOURCE_DATE_EPOCH: 'now' }), /expected a number/);
  assert.match(describeEpoch({ epoch: 1600000000, source: 'git' }), /2020-09-13T12:26:40Z.*git commit/);
});
