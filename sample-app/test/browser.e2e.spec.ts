import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  autoSubmittingForm,
  launchBrowser,
  serveOtherOrigin,
  type OtherOrigin,
  type TestBrowser,
} from '../../test/support/browser.js';
import { adapters } from '../../test/support/http-app.js';
import {
  newAccount,
  PASSWORD,
  startSample,
  type Account,
  type TestSample,
} from './support/sample-app.js';

const SESSION_COOKIE = '__Host-sample.sid';
const DEVICE_COOKIE = '__Host-device';

/**
 * The sample app in a real browser (Debian's headless Chromium), as `npm start` serves it: plain
 * HTTP on 127.0.0.1, no proxy, the default Secure `__Host-` cookies.
 */
describe.each(adapters)('sample app in a real browser (%s)', (adapter) => {
  let browser: TestBrowser;
  let sample: TestSample;
  let other: OtherOrigin;
  let victim: Account;
  let attacker: Account;

  beforeAll(async () => {
    browser = await launchBrowser();
    sample = await startSample({ httpAdapter: adapter });
    victim = await newAccount(sample.client, { base: 'victim' });
    attacker = await newAccount(sample.client, { base: 'attacker' });
    const login = `${sample.url}/auth/session/login`;
    other = await serveOtherOrigin({
      // The classic login form, and one whose text/plain body reads as JSON.
      '/form': autoSubmittingForm(login, { username: attacker.username, password: PASSWORD }),
      '/json': autoSubmittingForm(
        login,
        {
          [`{"username":"${attacker.username}","password":"${PASSWORD}","x":"`]: '"}',
        },
        'text/plain',
      ),
    });
  });
  // The browser first: its open (and speculative) connections would hold the servers open.
  afterAll(async () => {
    await browser?.close();
    await other?.close();
    await sample?.close();
  });
  beforeEach(() => browser.context.clearCookies());

  /** Logs `account` in from a page of the app itself, as its own login page would. */
  async function logInFromTheApp(page: Page, account: Account) {
    await page.goto(`${sample.url}/health`);
    return page.evaluate(
      async ({ username, password }) => {
        const res = await fetch('/auth/session/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        return { status: res.status, body: (await res.json()) as { csrf_token?: string } };
      },
      { username: account.username, password: PASSWORD },
    );
  }

  async function me(page: Page): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await page.goto(`${sample.url}/auth/me`);
    return { status: res!.status(), body: JSON.parse(await page.innerText('body')) };
  }

  const sessionCookie = async () =>
    (await browser.context.cookies(sample.url)).find((c) => c.name === SESSION_COOKIE);

  it('a session login at http://127.0.0.1 keeps its __Host- cookie, and the next page is authenticated', async () => {
    const page = await browser.page();
    const login = await logInFromTheApp(page, victim);
    expect(login.status).toBe(200);
    const cookies = await browser.context.cookies(sample.url);
    expect(cookies.find((c) => c.name === SESSION_COOKIE)).toMatchObject({
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    expect(cookies.find((c) => c.name === DEVICE_COOKIE)).toMatchObject({
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(await me(page)).toEqual({
      status: 200,
      body: expect.objectContaining({ username: victim.username, auth: 'session' }),
    });
    // A write from the app's own page, with its CSRF token, goes through: here the logout.
    const logout = await page.evaluate(async (csrf) => {
      const res = await fetch('/auth/session/logout', {
        method: 'POST',
        headers: { 'x-csrf-token': csrf },
      });
      return res.status;
    }, login.body.csrf_token!);
    expect(logout).toBe(204);
    expect((await me(page)).status).toBe(401);
    await page.close();
  });

  it.each(['/form', '/json'])(
    'a login form posted from a page of another origin (%s) creates no session and changes nothing',
    async (form) => {
      const page = await browser.page();
      expect((await logInFromTheApp(page, victim)).status).toBe(200);
      const before = await sessionCookie();
      const attackerSessions = (await sample.client.get('/auth/sessions', attacker.auth)).body;

      const posted = page.waitForResponse(
        (res) => res.url().endsWith('/auth/session/login') && res.request().method() === 'POST',
      );
      await page.goto(`${other.url}${form}`);
      const answer = await posted;
      expect(answer.status()).toBe(403);
      expect(await answer.headerValue('set-cookie')).toBeNull();

      // The browser still holds the victim's session, and the attacker got none.
      expect(await sessionCookie()).toEqual(before);
      expect(await me(page)).toEqual({
        status: 200,
        body: expect.objectContaining({ username: victim.username }),
      });
      expect((await sample.client.get('/auth/sessions', attacker.auth)).body).toEqual(
        attackerSessions,
      );
      await page.close();
    },
  );
});
