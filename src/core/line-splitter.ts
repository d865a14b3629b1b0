// Lines of a file read in chunks (sync or async): the findings store's spill file, sorted runs, snapshots.
import { StringDecoder } from 'node:string_decoder';

/** Lines from chunks read in order: a line cut by a chunk waits for the next. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  push(chunk: Buffer): string[] {
    const lines = (this.rest + this.decoder.write(chunk)).split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }

  end(): string[] {
    const last = this.rest + this.decoder.end();
    return last ? [last] : [];
  }
}
