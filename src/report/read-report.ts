// Reading a report back (rules generation, check, html from a saved run): the schema is checked here once,
// so every reader after it can trust the shape.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import { ReproError } from '../core/errors.js';
import { FINDING_CODES, REPORT_SCHEMA, isCategory, type Finding, type Report } from '../core/finding.js';
import { Findings } from '../core/findings.js';

function fail(path: string, what: string): never {
  throw new ReproError(`not a repro report: ${what}`, path);
}

/**
 * A finding of either schema. /2 findings carry code and facts (their evidence line is for people and
 * dropped); a /1 finding had only words, so it becomes a 'legacy' finding whose one fact is that text:
 * rules act on its category alone, and nothing parses the words.
 */
function checkFinding(path: string, f: unknown, i: number, v1: boolean): Finding {
  if (typeof f !== 'object' || f === null) fail(path, `findings[${i}] is not an object`);
  const o = f as Record<string, unknown>;
  if (typeof o.path !== 'string') fail(path, `findings[${i}].path is not a string`);
  if (typeof o.category !== 'string' || !isCategory(o.category)) fail(path, `findings[${i}].category ${JSON.stringify(o.category)} is unknown`);
  if (typeof o.detail !== 'string') fail(path, `findings[${i}].detail is not a string`);
  if (o.layer !== undefined && !Number.isInteger(o.layer)) fail(path, `findings[${i}].layer is not an integer`);
  if (o.platform !== undefined && typeof o.platform !== 'string') fail(path, `findings[${i}].platform is not a string`);
  const { evidence, ...rest } = o;
  if (v1) {
    if (typeof evidence !== 'string') fail(path, `findings[${i}].evidence is not a string`);
    return { ...rest, code: 'legacy', facts: [{ note: evidence }] } as unknown as Finding;
  }
  if (typeof o.code !== 'string' || !(FINDING_CODES as readonly string[]).includes(o.code)) fail(path, `findings[${i}].code ${JSON.stringify(o.code)} is unknown`);
  if (!Array.isArray(o.facts) || !o.facts.every((x) => typeof x === 'object' && x !== null)) fail(path, `findings[${i}].facts is not a list of objects`);
  return rest as unknown as Finding;
}

/** A JSON document that must be an object (a report, a check-error record). */
function parseObject(text: string, path: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(path, `invalid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail(path, 'not a JSON object');
  return data as Record<string, unknown>;
}

function checkReportSchema(path: string, schema: unknown): void {
  if (schema !== 'repro-report/1' && schema !== REPORT_SCHEMA) fail(path, `schema is ${JSON.stringify(schema)}, expected "${REPORT_SCHEMA}" (or "repro-report/1")`);
}

/** The report of a document's top-level fields (findings and the old `tree` left out) and its findings. */
function reportOf(path: string, fields: Record<string, unknown>, findings: Findings): Report {
  if (typeof fields.identical !== 'boolean') fail(path, 'identical is not a boolean');
  if (!Array.isArray(fields.inputs)) fail(path, 'inputs is not an array');
  if (!Array.isArray(fields.ignored) || !Array.isArray(fields.warnings)) fail(path, 'ignored/warnings are not arrays');
  // reports written before the store carried a `tree` of indexes: renderers build their own
  const { tree: _tree, findings: _findings, ...rest } = fields;
  return { ...rest, schema: REPORT_SCHEMA, findings } as unknown as Report;
}

/** Parse and validate a report held as text (`path` names it in errors). */
export function parseReport(text: string, path: string): Report {
  const o = parseObject(text, path);
  const v1 = o.schema === 'repro-report/1';
  checkReportSchema(path, o.schema);
  if (!Array.isArray(o.findings)) fail(path, 'findings is not an array');
  const list = o.findings;
  o.findings = undefined;
  const findings = new Findings();
  list.forEach((f, i) => {
    findings.add(checkFinding(path, f, i, v1));
    // the parsed object is released as it is stored (the store may spill it)
    list[i] = undefined;
  });
  return reportOf(path, o, findings);
}

/**
 * Read and validate a report file ("-" is not accepted: reports are files). A large one is read as a token
 * stream (scanReport): memory holds its other fields and the findings store, never the whole text.
 */
export async function readReport(path: string): Promise<Report> {
  const findings = new Findings();
  const { fields } = await scanReport(path, { keep: 'all', onFinding: (f) => findings.add(f) });
  checkReportSchema(path, fields.schema);
  return reportOf(path, fields, findings);
}

/** What a streamed report gives besides its findings: the top-level fields asked for, and whether it was read to the end. */
export interface ScannedReport {
  /** The top-level fields named in `keep` (small ones: schema, identical, inputs, manifest, date, reproducible, ...). */
  fields: Record<string, unknown>;
  /** Findings seen (all of them when `complete`). */
  findings: number;
  /** False when `stopAtFindings` ended the read where the findings begin. */
  complete: boolean;
}

export interface ScanOptions {
  /** Top-level fields to keep ('all': every one but the findings); every other one (tree, packages, builds, fix, ...) is skipped token by token, never built. */
  keep: ReadonlySet<string> | 'all';
  /** Each finding, validated as readReport does, one at a time: the list is never held. */
  onFinding?: (f: Finding) => void;
  /** Called where the findings begin, with the fields kept so far: true ends the read there (streamed files only). */
  stopAtFindings?: (fields: Record<string, unknown>) => boolean;
  /** Files larger than this are streamed; smaller ones parsed whole, which is ~5× faster (default 4 MiB). */
  streamAbove?: number;
}

/** A report up to this size is parsed whole: its objects take a few times its size, a bounded cost. */
export const STREAM_ABOVE = 4 << 20;

function readError(err: NodeJS.ErrnoException, path: string): ReproError {
  if (err.code === 'ENOENT') return new ReproError('no such file', path);
  if (err.code === 'EISDIR') return new ReproError('is a directory, not a report', path);
  return new ReproError(`cannot read (${err.code})`, path);
}

const kept = (keep: ScanOptions['keep'], key: string): boolean => keep === 'all' || keep.has(key);

function checkSchema(path: string, schema: unknown): void {
  if (schema !== 'repro-report/1' && schema !== REPORT_SCHEMA && schema !== CHECK_ERROR_SCHEMA) fail(path, `schema is ${JSON.stringify(schema)}, expected "${REPORT_SCHEMA}" (or "repro-report/1")`);
}

/** What every scan checks once the whole file is read. */
function checkScanned(path: string, fields: Record<string, unknown>, sawFindings: boolean): void {
  if (fields.schema === undefined) fail(path, 'schema is missing');
  if (fields.schema === CHECK_ERROR_SCHEMA) return;
  if (!sawFindings) fail(path, 'findings is not an array');
  if ('identical' in fields && typeof fields.identical !== 'boolean') fail(path, 'identical is not a boolean');
  if ('inputs' in fields && !Array.isArray(fields.inputs)) fail(path, 'inputs is not an array');
}

/**
 * Read a report's kept fields and its findings one by one: parsed whole when small, as a token stream when
 * large (read below), so memory holds at most a small report, or one finding of a large one.
 */
export async function scanReport(path: string, opts: ScanOptions): Promise<ScannedReport> {
  const { size } = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw readError(err, path);
  });
  if (size > (opts.streamAbove ?? STREAM_ABOVE)) return streamReport(path, opts);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw readError(err, path);
  });
  const o = parseObject(text, path);
  if (o.schema !== undefined) checkSchema(path, o.schema);
  const fields = Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'findings' && kept(opts.keep, k)));
  const list = Array.isArray(o.findings) ? (o.findings as unknown[]) : undefined;
  const v1 = o.schema === 'repro-report/1';
  if (list && opts.onFinding) list.forEach((f, i) => opts.onFinding?.(checkFinding(path, f, i, v1)));
  checkScanned(path, fields, list !== undefined);
  return { fields, findings: list?.length ?? 0, complete: true };
}

/** Schemas a scan reads besides reports: the record `repro check --shard` writes for a manifest whose check failed. */
export const CHECK_ERROR_SCHEMA = 'repro-check-error/1';

const OPEN = new Set([TokenType.LEFT_BRACE, TokenType.LEFT_BRACKET]);
const CLOSE = new Set([TokenType.RIGHT_BRACE, TokenType.RIGHT_BRACKET]);

/**
 * A report file as a stream of JSON tokens: memory holds one finding and the kept fields, whatever the
 * size of the file (a Debian check report is tens of MB; `repro report merge` reads a thousand of them).
 * The findings are validated as readReport validates them.
 */
async function streamReport(path: string, opts: ScanOptions): Promise<ScannedReport> {
  const fields: Record<string, unknown> = {};
  const tokenizer = new Tokenizer();
  let depth = 0;
  let key: string | undefined;
  let atKey = true;
  let v1 = false;
  let findings = 0;
  let sawFindings = false;
  let stop = false;
  // the value being read: where it started, and the parser building it (none when skipped)
  let base = -1;
  let into: 'field' | 'finding' | 'skip' | undefined;
  let parser: TokenParser | undefined;
  let parsed: unknown;

  const startValue = (kind: 'field' | 'finding' | 'skip'): void => {
    into = kind;
    base = depth;
    parsed = undefined;
    parser = kind === 'skip' ? undefined : new TokenParser({ paths: ['$'] });
    if (parser) parser.onValue = ({ value }) => void (parsed = value);
  };
  const endValue = (): void => {
    if (into === 'field' && key !== undefined) {
      fields[key] = parsed;
      if (key === 'schema') {
        v1 = parsed === 'repro-report/1';
        checkSchema(path, parsed);
      }
    } else if (into === 'finding') {
      opts.onFinding?.(checkFinding(path, parsed, findings, v1));
      findings++;
    }
    into = undefined;
    parser = undefined;
    parsed = undefined;
  };

  tokenizer.onToken = ({ token, value }): void => {
    if (stop) return;
    if (into !== undefined) {
      if (OPEN.has(token)) depth++;
      else if (CLOSE.has(token)) depth--;
      parser?.write({ token, value });
      if (depth === base) endValue();
      return;
    }
    if (depth === 0) {
      if (token !== TokenType.LEFT_BRACE) fail(path, 'not a JSON object');
      depth = 1;
      return;
    }
    if (depth === 1) {
      if (token === TokenType.RIGHT_BRACE) return void (depth = 0);
      if (token === TokenType.COMMA) return void (atKey = true);
      if (atKey && token === TokenType.STRING) {
        key = value as string;
        atKey = false;
        return;
      }
      if (token === TokenType.COLON) return;
      // the first token of a top-level value
      if (key === 'findings' && token === TokenType.LEFT_BRACKET) {
        sawFindings = true;
        if (opts.stopAtFindings?.(fields)) return void (stop = true);
        depth = 2;
        return;
      }
      startValue(kept(opts.keep, key ?? '') ? 'field' : 'skip');
      if (OPEN.has(token)) depth++;
      parser?.write({ token, value });
      if (depth === base) endValue();
      return;
    }
    // depth 2: inside the findings array
    if (token === TokenType.RIGHT_BRACKET) return void (depth = 1);
    if (token === TokenType.COMMA) return;
    startValue('finding');
    if (OPEN.has(token)) depth++;
    parser?.write({ token, value });
    if (depth === base) endValue();
  };

  const stream = createReadStream(path);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      tokenizer.write(chunk);
      if (stop) break;
    }
    if (!stop) tokenizer.end();
  } catch (err) {
    if (err instanceof ReproError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.syscall) throw readError(e, path);
    fail(path, `invalid JSON (${e.message})`);
  } finally {
    stream.destroy();
  }
  if (!stop) {
    if (depth !== 0 || into !== undefined) fail(path, 'invalid JSON (the file ends inside the report: cut short?)');
    checkScanned(path, fields, sawFindings);
  }
  return { fields, findings, complete: !stop };
}
