// deploy/kubernetes/check-job.yaml: it parses, the check Job is Indexed with as many shards as completions,
// and the shell lines of its two Jobs are run here as the Pods run them (JOB_COMPLETION_INDEX 0 … N-1 set,
// `repro` on PATH, the working directory holding manifests.txt), with /reports pointed at a temp directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { RANDOM_MANIFEST, SAME_MANIFEST, reproShim } from '../helpers/repro-shim.js';
import { testDir } from '../helpers/tmp.js';

interface Container { command: string[]; env?: { name: string; value: string }[]; workingDir?: string; securityContext?: { privileged?: boolean; runAsUser?: number }; volumeMounts: { name: string; mountPath: string }[] }
interface K8sObject { kind: string; metadata: { name: string; labels: Record<string, string> }; spec: Record<string, unknown> & { template?: { spec: { containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } } } }

async function objects(): Promise<K8sObject[]> {
  const docs = parseAllDocuments(await readFile(join(PROJECT_ROOT, 'deploy/kubernetes/check-job.yaml'), 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, []);
  return docs.map((d) => d.toJS() as K8sObject);
}

function sh(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('the Kubernetes manifest: an Indexed check Job, a merge Job, one shared claim; privileged root stated', async () => {
  const objs = await objects();
  assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.labels['repro/step']}`), ['PersistentVolumeClaim/repro-reports/check', 'Job/repro-check/check', 'Job/repro-merge/merge']);
  const check = objs[1]!;
  assert.equal(check.spec.completionMode, 'Indexed');
  const c = check.spec.template!.spec.containers[0]!;
  assert.equal(c.env?.find((e) => e.name === 'SHARDS')?.value, String(check.spec.completions));
  assert.equal(check.spec.parallelism, check.spec.completions);
  assert.deepEqual(c.securityContext, { privileged: true, runAsUser: 0 });
  for (const job of objs.slice(1)) {
    assert.ok(job.spec.template!.spec.volumes.some((v) => v.persistentVolumeClaim?.claimName === 'repro-reports'));
    assert.ok(job.spec.template!.spec.containers[0]!.volumeMounts.some((m) => m.name === 'reports' && m.mountPath === '/reports'));
  }
});

test('the Pods\' command lines: N shards check every manifest once, the merge Job makes the fleet report', { timeout: 240_000 }, async (t) => {
  const objs = await objects();
  const check = objs.find((o) => o.metadata.name === 'repro-check')!;
  const merge = objs.find((o) => o.metadata.name === 'repro-merge')!;
  const dir = await testDir(t, 'k8s-');
  const bin = join(dir, 'bin');
  const work = join(dir, 'work');
  const reports = join(dir, 'reports');
  await mkdir(bin);
  await reproShim(bin);
  for (const [name, text] of [['same', SAME_MANIFEST], ['rand', RANDOM_MANIFEST]] as const) {
    await mkdir(join(work, name), { recursive: true });
    await writeFile(join(work, name, 'manifest.yml'), text);
  }
  await writeFile(join(work, 'manifests.txt'), 'same/manifest.yml\nrand/manifest.yml\n');
  const container = check.spec.template!.spec.containers[0]!;
  assert.deepEqual(container.command.slice(0, 2), ['sh', '-c']);
  // the one change: the volume's mount point is a temp directory here
  const script = container.command[2]!.replaceAll('/reports', reports);
  assert.match(script, /^repro check --shard "\$JOB_COMPLETION_INDEX\/\$SHARDS" manifests\.txt --reports /);
  const shards = Number(check.spec.completions);
  const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, SHARDS: container.env!.find((e) => e.name === 'SHARDS')!.value };
  const picked: string[] = [];
  for (let i = 0; i < shards; i++) {
    const r = await sh(script, work, { ...env, JOB_COMPLETION_INDEX: String(i) });
    // exit 1 (rand is not reproducible) is a finished check: the Pod succeeds
    assert.equal(r.code, 0, r.out);
    const m = /^shard \d+\/\d+: (\d+) of 2 manifests$/m.exec(r.out);
    assert.ok(m, r.out);
    picked.push(...r.out.split('\n').filter((l) => /manifest\.yml .*→/.test(l)).map((l) => /(\S+\/manifest\.yml)/.exec(l)![1]!));
  }
  assert.deepEqual(picked.sort(), ['rand/manifest.yml', 'same/manifest.yml'], 'each manifest checked by exactly one shard');
  const [day] = await readdir(join(reports, 'checks'));
  assert.match(day ?? '', /^\d{4}-\d{2}-\d{2}$/);
  const mergeLine = merge.spec.template!.spec.containers[0]!.command[2]!.replaceAll('/reports', reports);
  const m = await sh(mergeLine, work, env);
  assert.equal(m.code, 1, m.out); // the fleet's status: one image is not reproducible
  const fleet = JSON.parse(await readFile(join(reports, 'fleet/fleet.json'), 'utf8')) as { summary: unknown; images: { image: string; verdict: string }[] };
  assert.deepEqual(fleet.summary, { reports: 2, images: 2, reproducible: 1, differs: 1, error: 0 });
  assert.deepEqual(fleet.images.map((r) => [r.image, r.verdict]), [['rand/manifest.yml', 'differs'], ['same/manifest.yml', 'reproducible']]);
});
