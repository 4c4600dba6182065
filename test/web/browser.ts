import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ViewHub } from '../../src/web/hub.ts';
import { startDashboardServer } from '../../src/web/server.ts';

/** Debian's chromium, never a downloaded browser (CI installs the `chromium` package). */
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** Headless Chromium with a fresh temp profile that close() removes. */
export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'mvtep-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 1100 },
      deviceScaleFactor: 1,
      timeout: 60_000,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface OpenDashboard {
  readonly page: Page;
  readonly url: string;
  /** The page's script errors and console errors (CSP violations among them), as they come. */
  readonly errors: string[];
}

/** `hub`'s dashboard served on loopback and loaded in headless Chromium; both are closed after `t`. */
export async function openDashboard(t: TestContext, hub: ViewHub): Promise<OpenDashboard> {
  const server = await startDashboardServer({ hub, listen: { host: '127.0.0.1', port: 0 } });
  t.after(() => server.close());
  const browser = await openBrowser();
  t.after(() => browser.close());
  const { page } = browser;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(server.url);
  return { page, url: server.url, errors };
}

/** Where a test's screenshots go: $MVTEP_SCREENSHOT_DIR (docs/img for the README), else a temp dir removed after `t`. */
export async function screenshotDir(t: TestContext): Promise<string> {
  const asked = process.env['MVTEP_SCREENSHOT_DIR'];
  if (asked) {
    await mkdir(resolve(asked), { recursive: true });
    return resolve(asked);
  }
  const tmp = await mkdtemp(join(tmpdir(), 'mvtep-shot-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  return tmp;
}
