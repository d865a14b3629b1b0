// Colours only on a TTY and never with NO_COLOR (https://no-color.org).
import { Chalk } from 'chalk';

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export const style = new Chalk({ level: useColor() ? 1 : 0 });
