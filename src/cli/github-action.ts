// The GitHub Action's entry (action.yml at the repository root runs it; run it locally the same way with
// the INPUT_* variables, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT set). It does what a person would do in
// the job: run `repro check` on the manifest with JSON, Markdown and HTML reports in one folder (named as
// `check --shard` names them, so a merge job finds every matrix job's report under the same layout), add
// the Markdown to the job summary and publish the verdict and the paths as step outputs. With INPUT_MERGE
// (a folder of reports) it runs `repro report merge` on it instead. Its exit status is repro's.
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportPathFor } from '../check/shard.js';
import { CHECK_ERROR_SCHEMA } from '../report/read-report.js';

const VERDICTS = ['reproducible', 'not-reproducible', 'error'] as const;

/** repro itself, the way this script was started: `node dist/src/cli/main.js`, or through tsx from source. */
function reproCommand(): [string, string[]] {
  const here = fileURLToPath(import.meta.url);
  const main = join(dirname(here), here.endsWith('.ts') ? 'main.ts' : 'main.js');
  return [process.execPath, [...process.execArgv, main]];
}

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const [cmd, pre] = reproCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 2, stderr }));
  });
}

const input = (name: string): string => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const flag = (name: string): boolean => ['true', 'yes', '1'].includes(input(name).toLowerCase());

/** GITHUB_OUTPUT lines (values here are single-line paths and words). */
async function setOutputs(outputs: Record<string, string>): Promise<void> {
  const file = process.env.GITHUB_OUTPUT;
  const text = Object.entries(outputs).map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}\n`).join('');
  if (file) await appendFile(file, text);
  else process.stdout.write(text);
}

async function summary(markdown: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdown.endsWith('\n') ? markdown : markdown + '\n');
}

const lastLine = (s: string): string => s.trim().split('\n').filter((l) => l.trim()).pop() ?? 'failed';

async function check(manifest: string, dir: string): Promise<number> {
  // named after the manifest as the workflow names it (relative to the workspace), as `check --shard` does
  const key = isAbsolute(manifest) ? relative(process.cwd(), manifest) : manifest;
  const base = join(dir, reportPathFor(key)).replace(/\.json$/, '');
  await mkdir(dirname(base), { recursive: true });
  const files = { json: `${base}.json`, markdown: `${base}.md`, html: `${base}.html` };
  const args = ['check', manifest, '--json', files.json, '--markdown', files.markdown, '--html', files.html];
  for (const r of input('rules').split(/[\n,]+/).map((s) => s.trim()).filter(Boolean)) args.push('--rules', r);
  if (input('vary')) args.push('--vary', input('vary'));
  if (flag('explain')) args.push('--explain');
  const rules = `${base}.rules.yml`;
  if (flag('fix')) args.push('--fix', '--emit-rules', rules);
  const { code, stderr } = await run(args);
  const verdict = VERDICTS[Math.min(code, 2)] ?? 'error';
  if (code >= 2) {
    // no report was written (outputs appear whole or not at all): leave a record a merge counts as an error
    const error = lastLine(stderr).replace(/^repro: /, '');
    await writeFile(files.json, JSON.stringify({ schema: CHECK_ERROR_SCHEMA, date: new Date().toISOString(), manifest: key, error }, null, 2) + '\n');
    await summary(`## ⚠️ repro check: error\n\n\`${key}\`: ${error.replace(/[<>&`]/g, ' ')}\n`);
    await setOutputs({ verdict, dir, json: files.json });
    return code;
  }
  await summary(await readFile(files.markdown, 'utf8'));
  await setOutputs({ verdict, dir, json: files.json, markdown: files.markdown, html: files.html, ...(flag('fix') ? { rules } : {}) });
  return code;
}

async function merge(reports: string, dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const files = { json: join(dir, 'fleet.json'), markdown: join(dir, 'fleet.md'), html: join(dir, 'fleet.html') };
  const { code, stderr } = await run(['report', 'merge', reports, '--json', files.json, '--markdown', files.markdown, '--html', files.html]);
  const written = await readFile(files.markdown, 'utf8').catch(() => undefined);
  if (written === undefined) {
    await summary(`## ⚠️ repro report merge: error\n\n${lastLine(stderr).replace(/[<>&`]/g, ' ')}\n`);
    await setOutputs({ verdict: 'error', dir });
    return Math.max(code, 2);
  }
  await summary(written);
  await setOutputs({ verdict: VERDICTS[Math.min(code, 2)] ?? 'error', dir, ...files });
  return code;
}

async function main(): Promise<number> {
  const dir = input('reports') || (input('merge') ? 'repro-fleet' : 'repro-reports');
  if (input('merge')) return merge(input('merge'), dir);
  if (!input('manifest')) {
    process.stderr.write('repro action: the manifest input is empty (or give merge: a folder of reports)\n');
    return 2;
  }
  return check(input('manifest'), dir);
}

process.exitCode = await main();
