// Reading a report back (rules generation, check, html from a saved run): the schema is checked here once,
// so every reader after it can trust the shape.
import { readFile } from 'node:fs/promises';
import { ReproError } from '../core/errors.js';
import { FINDING_CODES, REPORT_SCHEMA, isCategory, type Finding, type Report } from '../core/finding.js';

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
  const { evidence, ...rest } = o;
  if (v1) {
    if (typeof evidence !== 'string') fail(path, `findings[${i}].evidence is not a string`);
    return { ...rest, code: 'legacy', facts: [{ note: evidence }] } as unknown as Finding;
  }
  if (typeof o.code !== 'string' || !(FINDING_CODES as readonly string[]).includes(o.code)) fail(path, `findings[${i}].code ${JSON.stringify(o.code)} is unknown`);
  if (!Array.isArray(o.facts) || !o.facts.every((x) => typeof x === 'object' && x !== null)) fail(path, `findings[${i}].facts is not a list of objects`);
  return rest as unknown as Finding;
}

/** Parse and validate a report read from `path` ("-" is not accepted: reports are files). */
export function parseReport(text: string, path: string): Report {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(path, `invalid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail(path, 'not a JSON object');
  const o = data as Record<string, unknown>;
  const v1 = o.schema === 'repro-report/1';
  if (!v1 && o.schema !== REPORT_SCHEMA) fail(path, `schema is ${JSON.stringify(o.schema)}, expected "${REPORT_SCHEMA}" (or "repro-report/1")`);
  if (typeof o.identical !== 'boolean') fail(path, 'identical is not a boolean');
  if (!Array.isArray(o.inputs)) fail(path, 'inputs is not an array');
  if (!Array.isArray(o.findings)) fail(path, 'findings is not an array');
  const findings = o.findings.map((f, i) => checkFinding(path, f, i, v1));
  if (typeof o.tree !== 'object' || o.tree === null) fail(path, 'tree is missing');
  if (!Array.isArray(o.ignored) || !Array.isArray(o.warnings)) fail(path, 'ignored/warnings are not arrays');
  return { ...o, schema: REPORT_SCHEMA, findings } as unknown as Report;
}

export async function readReport(path: string): Promise<Report> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ReproError(err.code === 'ENOENT' ? 'no such file' : `cannot read (${err.code})`, path);
  });
  return parseReport(text, path);
}
