// Dropping content. `truncate` keeps the entry (an empty /etc/machine-id means "uninitialized" to systemd,
// machine-id(5)); `replace` gives fixed content (/etc/hostname, /etc/resolv.conf copied from the build host).
// `delete` needs no function: apply.ts drops the item, and the directory's children with it.
import type { ContentResult } from './result.js';

export function truncate(): ContentResult {
  return { data: Buffer.alloc(0) };
}

export function replace(content: string): ContentResult {
  return { data: Buffer.from(content, 'utf8') };
}
