// Reading a report back (rules generation, check, html from a saved run): the schema is checked here once,
// so every reader after it can trust the shape.
import { readFile } from 'node:fs/promises';
import { ReproError } from '../core/errors.js';
import { isCategory, type Finding, type Report } from '../core/finding.js';

function fail(path: string, what: string): never {
  throw new ReproError(`not a repro report: ${what}`, path);
}

function checkFinding(path: string, f: unknown, i: number): Finding {
  if (typeof f !== 'object' || f === null) fail(path, `findings[${i}] is not an object`);
  const o = f as Record<string, unknown>;
  if (typeof o.path !== 'string') fail(path, `findings[${i}].path is not a string`);
  if (typeof o.category !== 'string' || !isCategory(o.category)) fail(path, `findings[${i}].category ${JSON.stringify(o.category)} is unknown`);
  if (typeof o.evidence !== 'string') fail(path, `findings[${i}].evidence is not a string`);
  if (typeof o.detail !== 'string') fail(path, `findings[${i}].detail is not a string`);
  if (o.layer !== undefined && !Number.isInteger(o.layer)) fail(path, `findings[${i}].layer is not an integer`);
  return o as unknown as Finding;
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
  if (o.schema !== 'repro-report/1') fail(path, `schema is ${JSON.stringify(o.schema)}, expected "repro-report/1"`);
  if (typeof o.identical !== 'boolean') fail(path, 'identical is not a boolean');
  if (!Array.isArray(o.inputs)) fail(path, 'inputs is not an array');
  if (!Array.isArray(o.findings)) fail(path, 'findings is not an array');
  o.findings.forEach((f, i) => checkFinding(path, f, i));
  if (typeof o.tree !== 'object' || o.tree === null) fail(path, 'tree is missing');
  if (!Array.isArray(o.ignored) || !Array.isArray(o.warnings)) fail(path, 'ignored/warnings are not arrays');
  return o as unknown as Report;
}

export async function readReport(path: string): Promise<Report> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ReproError(err.code === 'ENOENT' ? 'no such file' : `cannot read (${err.code})`, path);
  });
  return parseReport(text, path);
}
