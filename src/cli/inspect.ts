// `repro inspect IMAGE`: layers and config summary of any image form the reader takes.
import type { Command } from 'commander';
import type { InspectResult } from '../image/inspect.js';
import { formatBytes } from '../core/format.js';
import { addFetchOptions, fetchOptions, parseByteSize, type FetchFlags } from './options.js';

/** Names and history come from the input: control characters (terminal escapes) are shown, not sent. */
function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function short(digest: string | null): string {
  return digest === null ? '-' : digest.replace(/^sha256:/, '').slice(0, 16);
}

async function render(r: InspectResult): Promise<string> {
  const [{ default: Table }, { style }] = await Promise.all([import('cli-table3'), import('../report/style.js')]);
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
    table.push([l.index, clean(l.mediaType.replace('application/vnd.', '')), short(l.digest), short(l.diffId), l.size === null ? '-' : formatBytes(l.size), l.entries + (l.whiteouts ? ` (${l.whiteouts} wh)` : '')]);
  }
  lines.push(table.toString());
  if (r.history.length) {
    lines.push('history:');
    for (const h of r.history) lines.push(`  ${h.created ?? '-'}  ${h.emptyLayer ? '(empty) ' : ''}${clean((h.createdBy ?? '').slice(0, 100))}`);
  }
  for (const w of r.warnings) lines.push(style.yellow(`warning: ${clean(w)}`));
  return lines.join('\n') + '\n';
}

export function registerInspect(program: Command): void {
  const cmd = program
    .command('inspect')
    .description('show the layers (digests, diff_ids, sizes, entries) and config of an image, archive or directory')
    .argument('<image>', 'OCI layout dir or archive, docker save archive, rootfs tarball (.tar/.tar.gz/.tar.zst), directory, or image reference (docker://, oci:DIR:TAG, containers-storage:, docker-daemon:)')
    .option('--json', 'print JSON instead of a table')
    .option('--platform <os/arch>', 'image to read from a multi-platform index')
    .option('--max-layer-bytes <size>', 'stop reading a layer after this many uncompressed bytes (default 64G)');
  addFetchOptions(cmd)
    .action(async (image: string, opts: { json?: boolean; platform?: string; maxLayerBytes?: string } & FetchFlags) => {
      // through the environment, so every reader of layers in this process (and its children) obeys it
      if (opts.maxLayerBytes !== undefined) process.env.REPRO_MAX_LAYER_BYTES = String(parseByteSize(opts.maxLayerBytes, '--max-layer-bytes'));
      const { inspectImage } = await import('../image/inspect.js');
      const result = await inspectImage(image, { platform: opts.platform, fetch: fetchOptions(opts) });
      process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : await render(result));
    });
}
