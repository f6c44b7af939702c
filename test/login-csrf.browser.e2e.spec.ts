import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSessionApp } from './apps/session.app.js';
import {
  autoSubmittingForm,
  launchBrowser,
  serveOtherOrigin,
  type OtherOrigin,
  type TestBrowser,
} from './support/browser.js';
import { adapters, type RunningApp } from './support/http-app.js';

/**
 * Login CSRF in a real browser (Debian's headless Chromium), against a session app whose login
 * takes an ordinary HTML form, as server-rendered login pages do. A page of another origin posts
 * the attacker's credentials; without the check the browser would come back logged in as the
 * attacker, and whatever the visitor did next would land in the attacker's account.
 */
describe.each(adapters)('login CSRF in a real browser (%s)', (adapter) => {
  let browser: TestBrowser;
  let app: RunningApp;
  let other: OtherOrigin;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startSessionApp(adapter);
    other = await serveOtherOrigin({
      '/': autoSubmittingForm(`${app.url}/auth/login`, {
        username: 'alice',
        password: 'alice-pass',
      }),
    });
  });
  afterAll(async () => {
    await browser?.close();
    await other?.close();
    await app?.close();
  });

  const whoami = async (page: Page) => {
    await page.goto(`${app.url}/public/whoami`);
    return JSON.parse(await page.innerText('body')) as { identity: string };
  };

  it("a login form on another origin's page neither logs the visitor in nor out", async () => {
    const page = await browser.page();
    await page.goto(`${app.url}/public/whoami`);
    const own = await page.evaluate(async () => {
      const res = await fetch('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bob', password: 'bob-pass' }),
      });
      return res.status;
    });
    expect(own).toBe(200);
    expect((await whoami(page)).identity).toBe('bob');

    const posted = page.waitForResponse((res) => res.url() === `${app.url}/auth/login`);
    await page.goto(other.url);
    expect((await posted).status()).toBe(403);
    expect((await whoami(page)).identity).toBe('bob');

    // A visitor who was not logged in stays anonymous.
    await browser.context.clearCookies();
    const again = page.waitForResponse((res) => res.url() === `${app.url}/auth/login`);
    await page.goto(other.url);
    expect((await again).status()).toBe(403);
    expect((await whoami(page)).identity).toBe('');
    expect(await browser.context.cookies(app.url)).toEqual([]);
    await page.close();
  });
});
