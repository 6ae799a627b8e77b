/**
 * A real headless Chromium for page tests: the Debian `chromium` package driven by playwright-core
 * (no browser download), a fresh profile per launch, and a page that records every request,
 * console message and page error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where Chromium is: `GITFLEET_CHROMIUM`, else the Debian package's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env['GITFLEET_CHROMIUM'] ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  /** Open a file (by path) in a new page that records what it does. */
  open(file: string, options?: { width?: number; height?: number; colorScheme?: 'light' | 'dark' }): Promise<RecordedPage>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface RecordedPage {
  page: Page;
  url: string;
  /** Every request the page made (URLs), the document itself included. */
  requests: string[];
  /** Console messages of type error or warning, and uncaught page errors. */
  errors: string[];
  /** Milliseconds from navigation to the `load` event. */
  loadMs: number;
}

/**
 * Launch headless Chromium with a fresh user-data directory (removed on close).
 *
 * @example
 * await using browser = await launchBrowser();
 * const { page, requests, errors } = await browser.open('report.html');
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'gitfleet-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: ARGS, headless: true, viewport: { width: 1280, height: 900 } });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const close = async (): Promise<void> => {
    await context.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
  };
  return {
    context,
    async open(file, options = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width: options.width ?? 1280, height: options.height ?? 900 });
      if (options.colorScheme) await page.emulateMedia({ colorScheme: options.colorScheme });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      const url = pathToFileURL(file).href;
      const start = performance.now();
      await page.goto(url, { waitUntil: 'load' });
      return { page, url, requests, errors, loadMs: performance.now() - start };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
