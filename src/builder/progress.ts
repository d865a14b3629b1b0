// Progress of a build on stderr: one line per phase that updates in place on a TTY, plain lines otherwise
// (logs and CI keep every line; a TTY user sees which phase is running right now).
import { formatBytes, formatMs } from '../core/format.js';
import type { ProgressEvent } from './options.js';


export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (e: ProgressEvent) => void {
  const tty = Boolean(stream.isTTY);
  let running: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return (e) => {
    switch (e.kind) {
      case 'epoch':
        stream.write(`${e.text}\n`);
        break;
      case 'phase-start':
        running = `[${e.index + 1}/${e.total}] ${e.phase}`;
        started = Date.now();
        if (tty) {
          stream.write(`${running} …`);
          timer = setInterval(() => stream.write(`\r\x1b[K${running} … ${formatMs(Date.now() - started)}`), 1000);
          timer.unref();
        } else stream.write(`${running}: running\n`);
        break;
      case 'phase-done': {
        stop();
        const line = `[${e.index + 1}/${e.total}] ${e.phase}: ${formatMs(e.elapsedMs)}, layer ${formatBytes(e.size)} (${e.entries} entries) ${e.digest.slice(7, 19)}`;
        stream.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
        break;
      }
      case 'write':
        stop();
        stream.write(`writing ${e.format} image to ${e.out}\n`);
        break;
    }
  };
}
