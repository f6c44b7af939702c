import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); the specs never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Playwright waits at most this long for anything (a launch, a navigation, a response). */
const BOUND_MS = 15_000;

/** A headless Chromium with a profile of its own, thrown away on `close()`. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new tab. */
  page(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Starts Debian's headless Chromium on a fresh user-data directory, with everything that would
 * reach the network on its own (updates, sync, QUIC, background fetches) turned off. A missing
 * Chromium fails loudly: the browser specs are never skipped in silence.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `\n\n  ${CHROMIUM} is not installed, and the browser specs need it.\n` +
        '  Install it (Debian: `apt-get install -y chromium`) and run the tests again;\n' +
        '  `npm test` installs it itself when it runs as root (scripts/test-prerequisites.mjs).\n',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    timeout: BOUND_MS,
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
  context.setDefaultTimeout(BOUND_MS);
  context.setDefaultNavigationTimeout(BOUND_MS);
  return {
    context,
    page: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A second origin: a tiny server on another loopback port, reached as `http://localhost:<port>`. */
export interface OtherOrigin {
  /** `http://localhost:<port>`: another origin, and another site, than `http://127.0.0.1:…`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `pages` (path → HTML) from another origin. */
export async function serveOtherOrigin(pages: Record<string, string>): Promise<OtherOrigin> {
  const server: Server = createServer((request, response) => {
    const html = pages[(request.url ?? '/').split('?')[0]!];
    response.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html' });
    response.end(html ?? 'not found');
  });
  // Both loopback addresses, as "localhost" may resolve to either.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '::', ipv6Only: false }, resolve);
  }).catch(
    () =>
      new Promise<void>((resolve) => {
        server.listen(0, '127.0.0.1', resolve);
      }),
  );
  const { port } = server.address() as { port: number };
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** An HTML page whose form posts `fields` to `action` as soon as it loads. */
export function autoSubmittingForm(
  action: string,
  fields: Record<string, string>,
  enctype = 'application/x-www-form-urlencoded',
): string {
  const escape = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('');
  return (
    `<!doctype html><html><body><form id="f" method="POST" action="${escape(action)}" ` +
    `enctype="${escape(enctype)}">${inputs}</form>` +
    `<script>document.getElementById('f').submit()</script></body></html>`
  );
}
