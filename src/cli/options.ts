// Option value parsers shared by the commands, so "512M" means the same everywhere.
import { UsageError } from '../core/errors.js';

/** "64G", "512M", "1048576" → bytes (powers of 1024). */
export function parseByteSize(text: string, option: string): number {
  const m = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  const n = m ? Number(m[1]) * 1024 ** 'BKMGT'.indexOf((m[2] || 'B').toUpperCase()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${option}: expected a size like 4G, 512M or 1048576, not "${text}"`);
  return n;
}
