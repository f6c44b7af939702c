import { Logger } from '@nestjs/common';
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from 'vitest';
import { startSessionApp } from './apps/session.app.js';
import { CookieJar, setCookies } from './support/cookie-jar.js';
import { adapters, type RunningApp } from './support/http-app.js';
import { rawRequest } from './support/raw-request.js';
import { postLogin } from './support/session-login.js';

const COOKIE = '__Host-gatehouse.sid';
const LOGIN = JSON.stringify({ username: 'alice', password: 'alice-pass' });

/**
 * `secure: true` (the default) over plain HTTP. Browsers treat loopback (127.0.0.0/8, ::1,
 * localhost) as a secure context and keep `Secure` and `__Host-` cookies from it, so the cookie is
 * sent there on both adapters and `npm start` works at http://127.0.0.1:3000. Anywhere else a
 * browser drops the cookie (express-session does not even send it), and the login says so in
 * the log.
 */
describe.each(adapters)('Secure session cookies over plain HTTP (%s)', (adapter) => {
  let app: RunningApp;
  let warn: MockInstance<Logger['warn']>;

  beforeAll(async () => {
    app = await startSessionApp(adapter, { secure: true });
  });
  afterAll(() => app.close());
  afterEach(() => warn?.mockRestore());

  const spyOnWarnings = () => {
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    return warn;
  };
  const rawLogin = (headers: Record<string, string>) =>
    rawRequest(app.url, '/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: LOGIN,
    });
  const sessionCookieOf = (res: { headers: Record<string, string | string[] | undefined> }) => {
    const lines = [res.headers['set-cookie'] ?? []].flat();
    return lines.find((line) => line.startsWith(`${COOKIE}=`));
  };

  it('sends the Secure __Host- cookie on http://127.0.0.1, and the next request is authenticated', async () => {
    const warnings = spyOnWarnings();
    const jar = new CookieJar();
    const res = await postLogin(app, 'alice', { jar });
    expect(res.status).toBe(200);
    const cookie = setCookies(res).find((c) => c.name === COOKIE);
    expect(cookie).toBeDefined();
    expect(cookie!.attributes.has('secure')).toBe(true);
    expect(cookie!.attributes.get('path')).toBe('/');
    expect(cookie!.attributes.has('domain')).toBe(false);
    const me = await app.send('/me', { jar });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ identity: 'alice', auth: 'session' });
    expect(warnings).not.toHaveBeenCalled();
  });

  it.each(['localhost', '[::1]', '127.0.0.2'])(
    'sends it when the browser addressed the loopback host as %s',
    async (host) => {
      const port = new URL(app.url).port;
      const res = await rawLogin({ host: `${host}:${port}` });
      expect(res.status).toBe(200);
      expect(sessionCookieOf(res)).toMatch(/; Secure/i);
    },
  );

  it('warns, once, when a login over plain HTTP elsewhere cannot set its Secure cookie', async () => {
    const warnings = spyOnWarnings();
    const first = await rawLogin({ host: 'app.example.com' });
    expect(first.status).toBe(200);
    // express-session leaves the cookie out; the Fastify session layer sends it, and browsers drop it.
    if (adapter === 'express') expect(sessionCookieOf(first)).toBeUndefined();
    expect(warnings).toHaveBeenCalledTimes(1);
    const message = String(warnings.mock.calls[0]![0]);
    expect(message).toMatch(/plain HTTP/);
    expect(message).toMatch(/app\.example\.com/);
    expect(message).toMatch(/HTTPS|127\.0\.0\.1|localhost/);
    await rawLogin({ host: 'app.example.com' });
    expect(warnings).toHaveBeenCalledTimes(1);
  });

  it('does not count a request relayed by a proxy as loopback', async () => {
    const port = new URL(app.url).port;
    const res = await rawLogin({ host: `127.0.0.1:${port}`, 'x-forwarded-for': '203.0.113.9' });
    expect(res.status).toBe(200);
    if (adapter === 'express') expect(sessionCookieOf(res)).toBeUndefined();
  });
});
