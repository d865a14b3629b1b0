// builder.containerfile without buildah: the bud arguments a build gets, what is taken out of the config
// buildah wrote, and layer names read from history. The real builds are in test/cli/check-containerfile.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseImages, budArgs, envInstructionKeys, fixedEnv, runEnvFor, runsBeforeEnv, withoutBuildArtifacts } from '../../src/builder/containerfile.js';
import { layerName } from '../../src/builder/external.js';
import type { ContainerfileBuilder } from '../../src/builder/manifest-types.js';
import { join } from 'node:path';
import { makeOciArchive } from '../helpers/images.js';
import { testDir } from '../helpers/tmp.js';

const B: ContainerfileBuilder = { kind: 'containerfile', containerfile: '/p/Containerfile', context: '/p', args: { V: '1' }, timestamp: false, line: 3 };
const paths = { policy: '/w/policy.json', out: '/w/image.tar' };

test('budArgs: layers, no pulls, private policy; variations as --env and a read-only volume; --uts host only with a hostname', () => {
  const plain = budArgs(B, { runEnv: {}, lendDirs: [], epoch: 1700000000 }, paths, false);
  assert.deepEqual(plain, ['bud', '--signature-policy', '/w/policy.json', '--isolation', 'chroot', '--layers', '--pull=never', '--format', 'oci', '--build-arg', 'V=1', '--file', '/p/Containerfile', '--tag', 'oci-archive:/w/image.tar', '/p']);
  const varied = budArgs({ ...B, target: 'final', timestamp: true }, { runEnv: { TZ: 'Etc/GMT-14', LD_PRELOAD: '/dev/shm/f/libfaketime.so.1' }, lendDirs: ['/dev/shm/f'], hostname: 'repro-b-host', epoch: 1700000000 }, paths, true);
  const after = (flag: string): string[] => varied.flatMap((a, i) => (a === flag ? [varied[i + 1]!] : []));
  assert.deepEqual(after('--uts'), ['host']);
  assert.deepEqual(after('--env'), ['TZ=Etc/GMT-14', 'LD_PRELOAD=/dev/shm/f/libfaketime.so.1']);
  assert.deepEqual(after('--volume'), ['/dev/shm/f:/dev/shm/f:ro']);
  assert.deepEqual(after('--build-arg'), ['SOURCE_DATE_EPOCH=1700000000', 'V=1'], 'the epoch as build argument when the Containerfile declares it');
  assert.deepEqual(after('--target'), ['final']);
  assert.deepEqual(after('--timestamp'), ['1700000000']);
  const own = budArgs({ ...B, args: { SOURCE_DATE_EPOCH: '5' } }, { runEnv: {}, lendDirs: [], epoch: 1700000000 }, paths, true);
  assert.ok(own.includes('SOURCE_DATE_EPOCH=5') && !own.includes('SOURCE_DATE_EPOCH=1700000000'), "the manifest's own value wins");
});

test('withoutBuildArtifacts: the variables repro added and the intermediate-image comments go, everything else stays', () => {
  const config = {
    created: '2026-01-01T00:00:00Z',
    config: { Env: ['PATH=/bin', 'TZ=Etc/GMT-14', 'TZ2=x', 'APP=1'], Labels: { a: 'b' } },
    history: [
      { created_by: '/bin/sh -c #(nop) ADD file:ab in / ' },
      { created_by: '/bin/sh -c make', comment: 'FROM 0123456789ab' },
      { created_by: '/bin/sh -c make', comment: 'FROM debian' },
    ],
  };
  const out = withoutBuildArtifacts(config, { TZ: 'Etc/GMT-14', APP: '2' });
  assert.deepEqual(out?.config?.Env, ['PATH=/bin', 'TZ2=x', 'APP=1'], 'only the exact NAME=value repro passed');
  assert.deepEqual(out?.config?.Labels, { a: 'b' });
  assert.deepEqual(out?.history, [{ created_by: '/bin/sh -c #(nop) ADD file:ab in / ' }, { created_by: '/bin/sh -c make' }, { created_by: '/bin/sh -c make', comment: 'FROM debian' }]);
  assert.equal(out?.created, config.created);
});

test('layerName: the instruction as written, cut at 60 characters', () => {
  assert.equal(layerName('/bin/sh -c #(nop) ADD file:be9d in / '), 'ADD file:be9d in /');
  assert.equal(layerName('|2 SOURCE_DATE_EPOCH=0 V=a b /bin/sh -c date > /x'), 'RUN date > /x');
  assert.equal(layerName('/bin/sh -c apt-get update &&   apt-get install -y x'), 'RUN apt-get update && apt-get install -y x');
  assert.equal(layerName('COPY . /app'), 'COPY . /app');
  assert.equal(layerName(`/bin/sh -c ${'x'.repeat(100)}`)?.length, 60);
  assert.equal(layerName(undefined), undefined);
});

test('runsBeforeEnv: a RUN first after its FROM, counted on logical lines (continuations, comments)', () => {
  const text = ['# syntax', 'FROM debian AS one', 'RUN a \\', '  b', 'RUN c', '', 'FROM one', '# comment', 'ARG X', 'RUN d', 'from scratch', '  run e', ''].join('\n');
  assert.deepEqual(runsBeforeEnv(text), [3, 12]);
  assert.deepEqual(runsBeforeEnv('FROM scratch\nADD rootfs.tar /\nRUN x\n'), []);
});

test('envInstructionKeys: both ENV forms, continuations; runEnvFor leaves out what the Containerfile sets itself', () => {
  const text = ['FROM scratch', 'ENV TZ=UTC LANG="C.UTF-8" \\', '    APP=1', 'ENV HOME /srv', '# ENV NOT=this', 'env lower=yes', 'RUN x'].join('\n');
  assert.deepEqual([...envInstructionKeys(text)].sort(), ['APP', 'HOME', 'LANG', 'TZ', 'lower']);
  // buildah --env overrides ENV in RUN steps and in the config (measured with buildah 1.28): passing TZ
  // would replace the Containerfile's TZ=UTC, and taking it out of the config afterwards would lose it.
  assert.deepEqual(runEnvFor({ TZ: 'Etc/GMT-14', LC_ALL: 'fr_CH.UTF-8', HOME: '/nonexistent' }, new Map([...envInstructionKeys(text)].map((k) => [k, 'ENV']))), { LC_ALL: 'fr_CH.UTF-8' });
});

test('baseImages: the FROM images, not scratch and not earlier stages (any case), flags skipped', () => {
  const text = ['FROM --platform=linux/amd64 oci-archive:base.tar AS Build', 'RUN x', 'FROM build AS second', 'FROM scratch', 'from docker-archive:other.tar', 'FROM SECOND'].join('\n');
  assert.deepEqual(baseImages(text), ['oci-archive:base.tar', 'docker-archive:other.tar']);
});

test("fixedEnv: the base image's Env keys (read from the archive beside the context) and ENV keys, each with where it is set", async (t) => {
  const dir = await testDir(t, 'repro-fixed-env-');
  await makeOciArchive(join(dir, 'base.tar'), { layers: [[{ path: 'etc/motd', content: 'hi\n' }]], config: { config: { Env: ['PATH=/usr/bin:/bin', 'LANG=C.UTF-8'] } } });
  const fixed = await fixedEnv('FROM oci-archive:base.tar\nENV TZ=UTC\nRUN x\n', dir);
  assert.deepEqual(Object.fromEntries(fixed), { PATH: 'base image oci-archive:base.tar', LANG: 'base image oci-archive:base.tar', TZ: 'ENV' });
  assert.deepEqual(Object.fromEntries(await fixedEnv('FROM oci-archive:missing.tar\n', dir)), {}, 'an unreadable base is left to buildah to report');
});
