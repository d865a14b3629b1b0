// `-o -` for the commands that write an image (build, normalize): "-" means stdout, as for every output
// option. The archive (oci or docker form) is written whole into the private temp area first — the writer
// needs a seekable file and an atomic result — then copied to stdout; the command's own lines go to stderr
// so stdout carries the archive alone. An oci-dir layout is a directory and cannot go to a stream.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../core/errors.js';
import { tempDir } from '../core/temp.js';

export interface ImageTarget {
  /** Where the writer puts the image. */
  path: string;
  /** True for `-o -`: the image goes to stdout, the command's messages to stderr. */
  toStdout: boolean;
  /** Copies the written archive to stdout for `-o -`; nothing otherwise. */
  finish(): Promise<void>;
}

export async function imageTarget(output: string, format: string): Promise<ImageTarget> {
  if (output !== '-') return { path: output, toStdout: false, finish: async () => undefined };
  if (format === 'oci-dir') throw new UsageError('-o -: an oci-dir layout is a directory and cannot go to stdout (use --format oci or docker)');
  const path = join(await tempDir('out-'), 'image.tar');
  return {
    path,
    toStdout: true,
    finish: () => pipeline(createReadStream(path), process.stdout, { end: false }),
  };
}
