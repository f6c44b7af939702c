import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { GENERIC_BODIES } from '../../test/support/http.js';
import {
  newAccount,
  PASSWORD,
  postLogin,
  postSessionLogin,
  startSample,
  type TestSample,
} from './support/sample-app.js';

const SESSION_COOKIE = '__Host-sample.sid';

/** sample-app-http.md, Extensions (version 2): login CSRF, and session cookies on loopback. */
describe.each(adapters)('sample app, logins from browsers (%s)', (adapter) => {
  let sample: TestSample;

  beforeAll(async () => {
    // Plain HTTP on 127.0.0.1, no proxy: what `npm start` serves.
    sample = await startSample({ httpAdapter: adapter });
  });
  afterAll(() => sample.close());

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['another loopback origin', { origin: 'http://localhost:1' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
  ])(
    'refuses both logins from %s with 403, creating and counting nothing',
    async (_name, headers) => {
      const account = await newAccount(sample.client);
      const before = (await sample.client.get('/auth/sessions', account.auth)).body.length;
      for (const path of ['/auth/login', '/auth/session/login']) {
        for (let i = 0; i < 6; i++) {
          const res = await sample.client
            .fresh()
            .post(path, { username: account.username, password: PASSWORD }, headers);
          expect([res.status, res.body]).toEqual([403, GENERIC_BODIES[403]]);
          expect(res.headers.getSetCookie()).toEqual([]);
        }
        // Refused before the body is even read: a malformed one gets the same 403.
        expect((await sample.client.fresh().post(path, { nonsense: true }, headers)).status).toBe(
          403,
        );
      }
      expect((await sample.client.get('/auth/sessions', account.auth)).body).toHaveLength(before);
      // Twelve refused attempts counted nothing against the account.
      const plain = await postLogin(sample.client.fresh(), account.username);
      expect(plain.status).toBe(200);
    },
  );

  it('lets a same-origin page log in', async () => {
    const account = await newAccount(sample.client);
    const browser = sample.client.fresh();
    const res = await postSessionLogin(browser, account.username, {
      origin: sample.url,
      'sec-fetch-site': 'same-origin',
    });
    expect(res.status).toBe(200);
    expect((await browser.get('/auth/me')).body).toMatchObject({ auth: 'session' });
  });

  it('keeps the Secure __Host- session cookie over plain HTTP on 127.0.0.1', async () => {
    const account = await newAccount(sample.client);
    const browser = sample.client.fresh();
    const res = await postSessionLogin(browser, account.username);
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(cookie).toMatch(/; Secure/i);
    const me = await browser.get('/auth/me');
    expect([me.status, me.body.auth]).toEqual([200, 'session']);
  });
});
