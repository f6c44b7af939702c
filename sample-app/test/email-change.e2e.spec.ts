import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { bearer, GENERIC_BODIES } from '../../test/support/http.js';
import { SqliteDatabase } from '../src/database/sqlite.database.js';
import {
  ADMIN,
  login,
  mailTokenFrom,
  newAccount,
  PASSWORD,
  startSampleBehindProxy,
  type Account,
  type TestSample,
} from './support/sample-app.js';

const INVALID = { statusCode: 401, message: 'Invalid credentials', error: 'Unauthorized' };

/** The addressee of a mail in the outbox. */
const recipientOf = (eml: string) => /^To: (.+)$/m.exec(eml)?.[1]?.trim();
/** The text of a mail, its quoted-printable soft line breaks undone. */
const textOf = (eml: string) => eml.replace(/=\r?\n/g, '');

describe.each(adapters)('sample app, changing the email (%s)', (adapter) => {
  let sample: TestSample;
  const clock = new FakeClock(Date.parse('2026-08-01T08:00:00Z'));

  beforeAll(async () => {
    sample = await startSampleBehindProxy({ httpAdapter: adapter, clock, admin: ADMIN });
  });
  afterAll(() => sample.close());

  const emailOf = async (account: Account) =>
    (await sample.client.get('/auth/me', account.auth)).body.email as string;

  /** Asks for the change with a fresh token; returns the answer and the mails it sent. */
  async function ask(account: Account, body: object) {
    const before = (await sample.outbox()).length;
    const res = await sample.client.patch('/auth/me', body, account.auth);
    return { res, mails: (await sample.outbox()).slice(before) };
  }

  it('needs the current password: 400 without it, 401 when wrong; nothing changes, nothing is mailed', async () => {
    const account = await newAccount(sample.client);
    const missing = await ask(account, { email: 'new-1@example.com' });
    expect(missing.res.status).toBe(400);
    const wrong = await ask(account, {
      email: 'new-1@example.com',
      current_password: 'not my password',
    });
    expect([wrong.res.status, wrong.res.body]).toEqual([401, INVALID]);
    expect([...missing.mails, ...wrong.mails]).toEqual([]);
    expect(await emailOf(account)).toBe(`${account.username}@example.com`);
  });

  it('needs a fresh login: a refreshed token gets 403', async () => {
    const account = await newAccount(sample.client);
    const refreshed = await sample.client.post('/auth/refresh', { refresh_token: account.refresh });
    const res = await sample.client.patch(
      '/auth/me',
      { email: 'stale@example.com', current_password: PASSWORD },
      bearer(refreshed.body.access_token),
    );
    expect([res.status, res.body]).toEqual([403, GENERIC_BODIES[403]]);
    expect(await emailOf(account)).toBe(`${account.username}@example.com`);
  });

  it('answers 202 with the pending email, changes nothing yet, mails a token to the new address and a notice to the old', async () => {
    const account = await newAccount(sample.client);
    const old = `${account.username}@example.com`;
    const { res, mails } = await ask(account, {
      email: 'New.Address.1@Example.com',
      current_password: PASSWORD,
      roles: ['admin'],
    });
    expect([res.status, res.body]).toEqual([202, { pending_email: 'new.address.1@example.com' }]);
    expect(await emailOf(account)).toBe(old);
    expect(mails.map(recipientOf)).toEqual(['new.address.1@example.com', old]);
    const token = mailTokenFrom(mails[0]!);
    expect(textOf(mails[0]!)).toContain('30 minutes');
    // The notice tells the owner what is happening, and carries no token.
    expect(textOf(mails[1]!)).toContain('new.address.1@example.com');
    expect(() => mailTokenFrom(mails[1]!)).toThrow();
    expect(textOf(mails[1]!)).not.toContain(token);
    // The token is stored only as its hash.
    const stored = sample.app
      .get(SqliteDatabase)
      .db.prepare('SELECT * FROM email_change_tokens WHERE user_id = ?')
      .all(account.id);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored).toHaveLength(1);
  });

  it('POST /auth/email/confirm applies the change once: 200 with the user, then 401; later resets go to the new address', async () => {
    const account = await newAccount(sample.client);
    const { mails } = await ask(account, {
      email: 'confirmed-2@example.com',
      current_password: PASSWORD,
    });
    const token = mailTokenFrom(mails[0]!);
    const res = await sample.client.post('/auth/email/confirm', { token });
    expect([res.status, res.body]).toEqual([
      200,
      {
        id: account.id,
        username: account.username,
        email: 'confirmed-2@example.com',
        roles: ['user'],
      },
    ]);
    expect(await emailOf(account)).toBe('confirmed-2@example.com');
    const again = await sample.client.post('/auth/email/confirm', { token });
    expect([again.status, again.body]).toEqual([401, expect.objectContaining({ statusCode: 401 })]);

    await sample.client.post('/auth/password-reset/request', { email: 'confirmed-2@example.com' });
    expect(recipientOf((await sample.outbox()).at(-1)!)).toBe('confirmed-2@example.com');
  });

  it('refuses a malformed, unknown, superseded or expired token (400/401), changing nothing', async () => {
    const account = await newAccount(sample.client);
    const body = { email: 'later-3@example.com', current_password: PASSWORD };
    const first = mailTokenFrom((await ask(account, body)).mails[0]!);
    const second = mailTokenFrom((await ask(account, body)).mails[0]!);
    for (const [token, status] of [
      [undefined, 400],
      [42, 400],
      ['', 400],
      ['not-a-token', 401],
      ['A'.repeat(43), 401],
      // Asking again voids the earlier token.
      [first, 401],
    ] as const) {
      const res = await sample.client.post('/auth/email/confirm', { token });
      expect([token, res.status]).toEqual([token, status]);
    }
    clock.advance(30 * 60_000 + 1000);
    const expired = await sample.client.post('/auth/email/confirm', { token: second });
    expect(expired.status).toBe(401);
    // The access token has expired too by now.
    expect(await emailOf(await login(sample.client, account.username))).toBe(
      `${account.username}@example.com`,
    );
  });

  it('answers 400 for a bad email and 409 for a taken one, before sending anything', async () => {
    const account = await newAccount(sample.client);
    for (const [email, status] of [
      ['nope', 400],
      [ADMIN.email, 409],
      [ADMIN.email.toUpperCase(), 409],
    ] as const) {
      const { res, mails } = await ask(account, { email, current_password: PASSWORD });
      expect([email, res.status, mails]).toEqual([email, status, []]);
    }
  });

  it('a confirmation for an email taken in the meantime is refused with 409', async () => {
    const account = await newAccount(sample.client);
    const rival = await newAccount(sample.client);
    const wanted = 'contested-4@example.com';
    const token = mailTokenFrom(
      (await ask(account, { email: wanted, current_password: PASSWORD })).mails[0]!,
    );
    const rivalToken = mailTokenFrom(
      (await ask(rival, { email: wanted, current_password: PASSWORD })).mails[0]!,
    );
    expect((await sample.client.post('/auth/email/confirm', { token: rivalToken })).status).toBe(
      200,
    );
    expect((await sample.client.post('/auth/email/confirm', { token })).status).toBe(409);
    expect(await emailOf(account)).toBe(`${account.username}@example.com`);
  });

  it('a password reset voids a pending change: the old address can take the account back', async () => {
    const account = await newAccount(sample.client);
    const token = mailTokenFrom(
      (await ask(account, { email: 'thief-5@example.com', current_password: PASSWORD })).mails[0]!,
    );
    await sample.client.post('/auth/password-reset/request', {
      email: `${account.username}@example.com`,
    });
    const reset = mailTokenFrom((await sample.outbox()).at(-1)!);
    clock.advance(1000);
    expect(
      (
        await sample.client.post('/auth/password-reset/confirm', {
          token: reset,
          new_password: 'the owner is back in',
        })
      ).status,
    ).toBe(204);
    expect((await sample.client.post('/auth/email/confirm', { token })).status).toBe(401);
  });

  it('a session changes the email within 5 minutes of its login, with its CSRF token', async () => {
    const account = await newAccount(sample.client);
    const browser = sample.client.fresh();
    const login = await browser.post('/auth/session/login', {
      username: account.username,
      password: PASSWORD,
    });
    const csrf = { 'x-csrf-token': login.body.csrf_token as string };
    const body = { email: 'browser-6@example.com', current_password: PASSWORD };
    expect((await browser.patch('/auth/me', body)).status).toBe(403);
    const res = await browser.patch('/auth/me', body, csrf);
    expect([res.status, res.body]).toEqual([202, { pending_email: 'browser-6@example.com' }]);
    clock.advance(5 * 60_000 + 1000);
    const late = await browser.patch('/auth/me', body, csrf);
    expect([late.status, late.body]).toEqual([403, GENERIC_BODIES[403]]);
  });
});
