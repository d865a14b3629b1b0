// Small helpers comparators share: bounded detail text and short lists for evidence lines.
import type { ContentContext } from '../content.js';

/** Keep at most ctx.limits.maxDiffLines lines, then say how many were left out and how to see them. */
export function boundLines(lines: string[], ctx: ContentContext): string {
  const max = ctx.limits.maxDiffLines;
  if (lines.length <= max) return lines.join('\n');
  const rest = lines.length - max;
  return [...lines.slice(0, max), `... ${rest} more lines (use --max-diff-lines to see more)`].join('\n');
}

/** "a, b, c and 4 more" for evidence lines. */
export function listSome(items: string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
