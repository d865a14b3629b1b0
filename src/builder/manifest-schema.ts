// Reads and validates a build manifest (schema version 1). Every error names file:line, because a manifest
// is hand-written and "phases[2].files[0].mode: expected octal" is useless without the line to look at.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml';
import { ReproError } from '../core/errors.js';
import { ruleFileRef } from './rule-ref.js';
import { parseReference } from '../image/reference.js';
import type { Base, Builder, FileStep, Manifest, OutputCompression, OutputFormat, Phase, Step } from './manifest-types.js';

const TOP_KEYS = ['version', 'name', 'epoch', 'base', 'phases', 'normalize', 'output', 'builder'];
const BOOTSTRAP_KEYS = ['suite', 'variant', 'include', 'components', 'mirror', 'arch'];
const PHASE_KEYS = ['name', 'apt', 'files', 'run', 'env', 'user'];
const FILE_KEYS = ['src', 'content', 'dest', 'mode', 'owner'];
const FORMATS: OutputFormat[] = ['oci', 'oci-dir', 'docker'];
const COMPRESSIONS: OutputCompression[] = ['gzip', 'zstd', 'none'];

/** Validation context: turns a node into "file:line" for errors. */
class Ctx {
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}
  line(node: Node | null | undefined): number {
    const offset = node?.range?.[0] ?? 0;
    return this.lines.linePos(offset).line;
  }
  fail(node: Node | null | undefined, message: string): never {
    throw new ReproError(message, `${this.file}:${this.line(node)}`);
  }
  map(node: unknown, what: string, keys: string[]): YAMLMap<unknown, unknown> {
    if (!isMap(node)) this.fail(node as Node, `${what}: expected a mapping`);
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!keys.includes(key)) this.fail(pair.key as Node, `${what}: unknown key "${key}" (expected one of ${keys.join(', ')})`);
    }
    return node;
  }
  str(node: unknown, what: string): string {
    // Plain scalars that YAML reads as numbers or booleans (`run: [true]`, `suite: 12`) mean their text here.
    if (!isScalar(node) || node.value === null || node.value === '' || typeof node.value === 'object') {
      this.fail(node as Node, `${what}: expected a non-empty string`);
    }
    return typeof node.value === 'string' ? node.value : String(node.source ?? node.value);
  }
  strList(node: unknown, what: string): string[] {
    // A single string is accepted where a list is expected: `include: systemd` reads naturally.
    if (isScalar(node)) return this.str(node, what).split(/[\s,]+/).filter(Boolean);
    if (!isSeq(node)) this.fail(node as Node, `${what}: expected a list of strings`);
    return node.items.map((item, i) => this.str(item, `${what}[${i}]`));
  }
}

function get(map: YAMLMap<unknown, unknown>, key: string): unknown {
  return map.get(key, true);
}

function parseBase(ctx: Ctx, node: unknown, dir: string): Base {
  if (isScalar(node) && node.value === 'scratch') return { kind: 'scratch' };
  const map = ctx.map(node, 'base', ['debootstrap', 'mmdebstrap', 'tarball', 'image', 'scratch']);
  if (map.items.length !== 1) ctx.fail(map, 'base: expected exactly one of debootstrap, mmdebstrap, tarball, image, scratch');
  const pair = map.items[0]!;
  const kind = String((pair.key as { value: unknown }).value);
  const value = pair.value as Node | null;
  if (kind === 'scratch') return { kind: 'scratch' };
  if (kind === 'image') {
    // an image reference (docker://…, oci:DIR:TAG, …) is fetched as written; anything else is a path
    const text = ctx.str(value, 'base.image');
    let isReference = false;
    try {
      isReference = parseReference(text) !== undefined;
    } catch (err) {
      ctx.fail(value, `base.image: ${(err as Error).message}`);
    }
    return { kind, path: isReference ? text : resolve(dir, text) };
  }
  if (kind === 'tarball') return { kind, path: resolve(dir, ctx.str(value, `base.${kind}`)) };
  const b = ctx.map(value, `base.${kind}`, BOOTSTRAP_KEYS);
  const suiteNode = get(b, 'suite');
  if (suiteNode === undefined) ctx.fail(b, `base.${kind}: "suite" is required`);
  const opt = (k: string): unknown => get(b, k);
  return {
    kind: kind as 'debootstrap' | 'mmdebstrap',
    suite: ctx.str(suiteNode, `base.${kind}.suite`),
    variant: opt('variant') === undefined ? 'minbase' : ctx.str(opt('variant'), `base.${kind}.variant`),
    include: opt('include') === undefined ? [] : ctx.strList(opt('include'), `base.${kind}.include`),
    components: opt('components') === undefined ? ['main'] : ctx.strList(opt('components'), `base.${kind}.components`),
    mirror: opt('mirror') === undefined ? 'auto' : ctx.str(opt('mirror'), `base.${kind}.mirror`),
    ...(opt('arch') === undefined ? {} : { arch: ctx.str(opt('arch'), `base.${kind}.arch`) }),
  };
}

function parseMode(ctx: Ctx, node: unknown, what: string): number {
  // YAML 1.2 reads `0644` as decimal 644, so the mode is taken from the source text, always as octal.
  const text = isScalar(node) ? String(node.source ?? node.value) : '';
  if (!/^0?o?[0-7]{3,4}$/.test(text)) ctx.fail(node as Node, `${what}: expected an octal mode such as "0644"`);
  return parseInt(text.replace(/^0?o?/, ''), 8);
}

function parseFiles(ctx: Ctx, node: unknown, what: string, dir: string): FileStep[] {
  if (!isSeq(node)) ctx.fail(node as Node, `${what}: expected a list of {src, dest, mode, owner}`);
  return node.items.map((item, i) => {
    const w = `${what}[${i}]`;
    const m = ctx.map(item, w, FILE_KEYS);
    const src = get(m, 'src');
    const content = get(m, 'content');
    if ((src === undefined) === (content === undefined)) ctx.fail(m, `${w}: give exactly one of "src" or "content"`);
    const destNode = get(m, 'dest');
    if (destNode === undefined) ctx.fail(m, `${w}: "dest" is required`);
    const dest = ctx.str(destNode, `${w}.dest`);
    if (!dest.startsWith('/') || dest.split('/').includes('..')) ctx.fail(destNode as Node, `${w}.dest: expected an absolute path without ".."`);
    const step: FileStep = { dest, line: ctx.line(m) };
    if (src !== undefined) step.src = resolve(dir, ctx.str(src, `${w}.src`));
    if (content !== undefined) {
      if (!isScalar(content)) ctx.fail(content as Node, `${w}.content: expected a string`);
      step.content = String(content.value ?? '');
    }
    if (get(m, 'mode') !== undefined) step.mode = parseMode(ctx, get(m, 'mode'), `${w}.mode`);
    if (get(m, 'owner') !== undefined) step.owner = ctx.str(get(m, 'owner'), `${w}.owner`);
    return step;
  });
}

function parsePhase(ctx: Ctx, node: unknown, i: number, dir: string): Phase {
  const what = `phases[${i}]`;
  const m = ctx.map(node, what, PHASE_KEYS);
  const nameNode = get(m, 'name');
  if (nameNode === undefined) ctx.fail(m, `${what}: "name" is required`);
  const steps: Step[] = [];
  // Steps run in the order the manifest lists them, so a phase reads top to bottom like a script.
  for (const pair of m.items) {
    const key = String((pair.key as { value: unknown }).value);
    const value = pair.value;
    const line = ctx.line(pair.key as Node);
    if (key === 'apt') steps.push({ kind: 'apt', packages: ctx.strList(value, `${what}.apt`), line });
    if (key === 'run') steps.push({ kind: 'run', ...runList(ctx, value, `${what}.run`), line });
    if (key === 'files') steps.push({ kind: 'files', files: parseFiles(ctx, value, `${what}.files`, dir), line });
    if (key === 'env') {
      const e = isMap(value) ? value : ctx.fail(value as Node, `${what}.env: expected a mapping NAME: value`);
      const env: Record<string, string> = {};
      for (const p of e.items) {
        const k = String((p.key as { value: unknown }).value);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) ctx.fail(p.key as Node, `${what}.env: "${k}" is not a variable name`);
        env[k] = isScalar(p.value) ? String(p.value.value ?? '') : ctx.fail(p.value as Node, `${what}.env.${k}: expected a string`);
      }
      steps.push({ kind: 'env', env, line });
    }
  }
  const userNode = get(m, 'user');
  const user = userNode === undefined ? undefined : { spec: ctx.str(userNode, `${what}.user`), line: ctx.line(userNode as Node) };
  if (user && !/^[^:\s]+(:[^:\s]+)?$/.test(user.spec)) ctx.fail(userNode as Node, `${what}.user: expected NAME, NAME:GROUP or UID:GID`);
  return { name: ctx.str(nameNode, `${what}.name`), steps, ...(user ? { user } : {}), line: ctx.line(m) };
}

const BUILDER_KEYS = ['command', 'containerfile', 'context', 'args', 'target', 'timestamp'];

function parseBuilder(ctx: Ctx, node: unknown, dir: string): Builder {
  const b = ctx.map(node, 'builder', BUILDER_KEYS);
  const line = ctx.line(b);
  const cmd = get(b, 'command');
  const file = get(b, 'containerfile');
  if ((cmd === undefined) === (file === undefined)) ctx.fail(b, 'builder: give exactly one of "command" or "containerfile"');
  if (cmd !== undefined) {
    const extra = ['context', 'args', 'target', 'timestamp'].find((k) => get(b, k) !== undefined);
    if (extra) ctx.fail(get(b, extra) as Node, `builder.${extra}: only with "containerfile"`);
    return { kind: 'command', command: ctx.str(cmd, 'builder.command'), line };
  }
  const containerfile = resolve(dir, ctx.str(file, 'builder.containerfile'));
  const contextNode = get(b, 'context');
  const args: Record<string, string> = {};
  const argsNode = get(b, 'args');
  if (argsNode !== undefined) {
    if (!isMap(argsNode)) ctx.fail(argsNode as Node, 'builder.args: expected a mapping NAME: value');
    for (const p of argsNode.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) ctx.fail(p.key as Node, `builder.args: "${k}" is not an argument name`);
      args[k] = isScalar(p.value) && p.value.value !== null && typeof p.value.value !== 'object' ? String(p.value.source ?? p.value.value) : ctx.fail(p.value as Node, `builder.args.${k}: expected a string`);
    }
  }
  const timestampNode = get(b, 'timestamp');
  if (timestampNode !== undefined && !(isScalar(timestampNode) && typeof timestampNode.value === 'boolean')) ctx.fail(timestampNode as Node, 'builder.timestamp: expected true or false');
  const target = get(b, 'target');
  return {
    kind: 'containerfile',
    containerfile,
    context: contextNode === undefined ? dirname(containerfile) : resolve(dir, ctx.str(contextNode, 'builder.context')),
    args,
    ...(target === undefined ? {} : { target: ctx.str(target, 'builder.target') }),
    timestamp: timestampNode !== undefined && (timestampNode as { value: boolean }).value,
    line,
  };
}

/** `run` items are whole shell commands: a single string is one command, not split on spaces. */
function runList(ctx: Ctx, node: unknown, what: string): { commands: string[]; lines: number[] } {
  if (isScalar(node)) return { commands: [ctx.str(node, what)], lines: [ctx.line(node)] };
  if (!isSeq(node)) ctx.fail(node as Node, `${what}: expected a list of shell commands`);
  return {
    commands: node.items.map((item, i) => ctx.str(item, `${what}[${i}]`)),
    lines: node.items.map((item) => ctx.line(item as Node)),
  };
}

/** Parse and validate a manifest; throws ReproError("file:line", message) on the first problem. */
export async function loadManifest(file: string): Promise<Manifest> {
  const path = resolve(file);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ReproError(err.code === 'ENOENT' ? 'manifest not found' : `cannot read manifest (${err.code})`, file);
  });
  return parseManifest(text, path);
}

export function parseManifest(text: string, path: string): Manifest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const ctx: Ctx = new Ctx(path, lines);
  const first = doc.errors[0];
  if (first) throw new ReproError(`invalid YAML: ${first.message.split('\n')[0]}`, `${path}:${lines.linePos(first.pos[0]).line}`);
  const dir = dirname(path);
  const top = ctx.map(doc.contents, 'manifest', TOP_KEYS);
  const version = get(top, 'version');
  if (version !== undefined && !(isScalar(version) && Number(version.value) === 1)) {
    ctx.fail(version as Node, 'version: only schema version 1 is supported');
  }
  const nameNode = get(top, 'name');
  if (nameNode === undefined) ctx.fail(top, 'manifest: "name" is required');
  const manifest: Manifest = {
    path,
    dir,
    version: 1,
    name: ctx.str(nameNode, 'name'),
    phases: [],
    normalize: [],
    output: { format: 'oci', compression: 'gzip' },
  };
  const epoch = get(top, 'epoch');
  if (epoch !== undefined) {
    if (!isScalar(epoch) || !Number.isInteger(epoch.value) || (epoch.value as number) < 0) {
      ctx.fail(epoch as Node, 'epoch: expected a non-negative integer (seconds since 1970)');
    }
    manifest.epoch = epoch.value as number;
  }
  const base = get(top, 'base');
  const builder = get(top, 'builder');
  if ((base === undefined) === (builder === undefined)) ctx.fail(top, 'manifest: give exactly one of "base" (with phases) or "builder"');
  if (base !== undefined) manifest.base = parseBase(ctx, base, dir);
  if (builder !== undefined) {
    manifest.builder = parseBuilder(ctx, builder, dir);
  }
  const phases = get(top, 'phases');
  if (phases !== undefined) {
    if (builder !== undefined) ctx.fail(phases as Node, 'phases: not allowed with "builder" (the external builder does all the work)');
    if (!isSeq(phases)) ctx.fail(phases as Node, 'phases: expected a list');
    manifest.phases = phases.items.map((p, i) => parsePhase(ctx, p, i, dir));
    const seen = new Set<string>();
    for (const [i, p] of manifest.phases.entries()) {
      if (seen.has(p.name)) ctx.fail(phases.items[i] as Node, `phases[${i}]: duplicate phase name "${p.name}"`);
      seen.add(p.name);
    }
  }
  const normalize = get(top, 'normalize');
  if (normalize !== undefined) manifest.normalize = ctx.strList(normalize, 'normalize').map((f) => ruleFileRef(f, dir));
  const output = get(top, 'output');
  if (output !== undefined) {
    const o = ctx.map(output, 'output', ['format', 'compression']);
    const format = get(o, 'format');
    const compression = get(o, 'compression');
    if (format !== undefined) {
      const f = ctx.str(format, 'output.format');
      if (!FORMATS.includes(f as OutputFormat)) ctx.fail(format as Node, `output.format: expected one of ${FORMATS.join(', ')}`);
      manifest.output.format = f as OutputFormat;
    }
    if (compression !== undefined) {
      const c = ctx.str(compression, 'output.compression');
      if (!COMPRESSIONS.includes(c as OutputCompression)) ctx.fail(compression as Node, `output.compression: expected one of ${COMPRESSIONS.join(', ')}`);
      manifest.output.compression = c as OutputCompression;
    }
  }
  return manifest;
}
