// The `<head>` every HTML page of repro starts with (the report and the fleet view): UTF-8, a viewport, the
// Content-Security-Policy that keeps the page self-contained, the title and the inline stylesheet.
import { escapeHtml as h } from './html-escape.js';
import { PAGE_STYLE } from './html-style.js';

export interface PageHead {
  /** Shown after "repro …: " in the browser tab. */
  title: string;
  /** Content-Security-Policy: nothing is fetched; `script-src` pins the page's own inline script, if any. */
  csp: string;
  /** Style added after the shared stylesheet. */
  style?: string;
}

/** The document up to and including `<body>`. */
export function pageStart({ title, csp, style = '' }: PageHead): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${h(title)}</title>
<style>${PAGE_STYLE}${style}</style>
</head>
<body>`;
}
