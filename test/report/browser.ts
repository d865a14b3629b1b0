// Headless Chromium for the report tests and the benchmark: the Debian package at /usr/bin/chromium,
// driven by playwright-core (never a browser download), a fresh empty profile, no network features.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireFile } from '../helpers/tools.js';

export const CHROMIUM = process.env.REPRO_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumMissing(): string | false {
  return requireFile(CHROMIUM, 'chromium');
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors (a CSP violation shows up here). */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'repro-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true }); // no browser: nothing would close() it
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Findings rows the user can see (rendered and not inside a hidden or collapsed ancestor). */
export async function visibleFindings(page: Page): Promise<{ index: number; cat: string }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.finding')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({ index: Number(e.querySelector<HTMLElement>('.frow')!.dataset.f), cat: e.dataset.cat ?? '' })),
  );
}
