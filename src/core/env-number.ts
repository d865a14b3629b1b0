// Tuning knobs read from the environment (thresholds and limits tests and benches move): one parse, one message.
import { ReproError } from './errors.js';

/** `name` as a positive integer, `fallback` when unset or empty; anything else is one clear error. */
export function positiveIntEnv(name: string, fallback: number): number {
  const env = process.env[name];
  if (env === undefined || env === '') return fallback;
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n <= 0) throw new ReproError(`${name} must be a positive integer, not "${env}"`);
  return n;
}
