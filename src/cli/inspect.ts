// `repro inspect IMAGE`: layers and config summary of any image form the reader takes.
import type { Command } from 'commander';
import Table from 'cli-table3';
import { inspectImage, type InspectResult } from '../image/inspect.js';
import { style } from '../report/style.js';

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 16);
}

function render(r: InspectResult): string {
  const lines: string[] = [];
  lines.push(`${style.bold(r.input)}  (${r.kind})`);
  if (r.manifestDigest) lines.push(`manifest   ${r.manifestDigest}`);
  if (r.configDigest) lines.push(`config     ${r.configDigest}`);
  if (r.created || r.os) lines.push(`created    ${r.created ?? '-'}    platform ${r.os ?? '?'}/${r.architecture ?? '?'}`);
  const table = new Table({
    head: ['#', 'media type', 'digest', 'diff_id', 'size', 'entries'],
    style: { head: style.level > 0 ? ['cyan'] : [], border: style.level > 0 ? ['grey'] : [] },
  });
  for (const l of r.layers) {
    table.push([l.index, l.mediaType.replace('application/vnd.', ''), short(l.digest), short(l.diffId), l.size, l.entries + (l.whiteouts ? ` (${l.whiteouts} wh)` : '')]);
  }
  lines.push(table.toString());
  if (r.history.length) {
    lines.push('history:');
    for (const h of r.history) lines.push(`  ${h.created ?? '-'}  ${h.emptyLayer ? '(empty) ' : ''}${(h.createdBy ?? '').slice(0, 100)}`);
  }
  for (const w of r.warnings) lines.push(style.yellow(`warning: ${w}`));
  return lines.join('\n') + '\n';
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show the layers (digests, diff_ids, sizes, entries) and config of an image, archive or directory')
    .argument('<image>', 'OCI layout dir or archive, docker save archive, rootfs tarball (.tar/.tar.gz/.tar.zst) or directory')
    .option('--json', 'print JSON instead of a table')
    .option('--platform <os/arch>', 'image to read from a multi-platform index')
    .action(async (image: string, opts: { json?: boolean; platform?: string }) => {
      const result = await inspectImage(image, { platform: opts.platform });
      process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : render(result));
    });
}
