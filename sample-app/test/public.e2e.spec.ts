import { Logger } from '@nestjs/common';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { GENERIC_BODIES } from '../../test/support/http.js';
import { BackgroundWork } from '../src/common/background-work.js';
import { MAX_JSON_DEPTH } from '../src/common/json-body.js';
import { SqliteDatabase } from '../src/database/sqlite.database.js';
import { UsersRepository } from '../src/users/users.repository.js';
import { resetTokenFrom, startSample, type TestSample } from './support/sample-app.js';

const PASSWORD = 'correct horse battery staple';

describe.each(adapters)('sample app, public routes (%s)', (adapter) => {
  let sample: TestSample;
  const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));

  beforeAll(async () => {
    sample = await startSample({ httpAdapter: adapter, clock });
  });
  afterAll(() => sample.close());

  it('GET /health', async () => {
    const res = await sample.client.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  describe('POST /auth/register', () => {
    it('creates a user with the user role and ignores unknown fields such as roles', async () => {
      const res = await sample.client.post('/auth/register', {
        username: 'reg_alice',
        email: ' Reg.Alice@Example.COM ',
        password: PASSWORD,
        roles: ['admin'],
        disabled: false,
        id: 'chosen-id',
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        username: 'reg_alice',
        email: 'reg.alice@example.com',
        roles: ['user'],
      });
      expect(JSON.stringify(res.body)).not.toContain('argon2');
    });

    it('answers 409 for a taken username or email, in any case', async () => {
      const a = await sample.client.post('/auth/register', {
        username: 'REG_ALICE',
        email: 'other@example.com',
        password: PASSWORD,
      });
      expect(a.status).toBe(409);
      expect(a.body).toEqual({
        statusCode: 409,
        message: 'Username or email already registered',
        error: 'Conflict',
      });
      const b = await sample.client.post('/auth/register', {
        username: 'someone_else',
        email: 'REG.alice@example.com',
        password: PASSWORD,
      });
      expect(b.status).toBe(409);
    });

    it.each([
      ['a missing field', { username: 'x1y2z3', email: 'x@example.com' }, /password/],
      [
        'a short username',
        { username: 'ab', email: 'ab@example.com', password: PASSWORD },
        /username/,
      ],
      [
        'a username with spaces',
        { username: 'a b c', email: 'abc@example.com', password: PASSWORD },
        /username/,
      ],
      ['a bad email', { username: 'bademail', email: 'not-an-email', password: PASSWORD }, /email/],
      [
        'a non-string password',
        { username: 'numpw', email: 'n@example.com', password: 12345678 },
        /password/,
      ],
      [
        'a 7-character password',
        { username: 'shortpw', email: 's@example.com', password: 'x7#kQ2!' },
        /at least 8/,
      ],
      [
        'a common password',
        { username: 'commonpw', email: 'c@example.com', password: 'password1' },
        /too common/,
      ],
      [
        'a 257-character password',
        { username: 'longpw', email: 'l@example.com', password: 'y'.repeat(257) },
        /at most 256/,
      ],
      [
        'a password of the username',
        { username: 'zorbluxian', email: 'z@example.com', password: 'zorbluxian' },
        /too common/,
      ],
    ])(
      'answers 400 for %s, with a clear message and no echo of the input',
      async (_what, body, message) => {
        const res = await sample.client.post('/auth/register', body);
        expect(res.status).toBe(400);
        expect(res.body.statusCode).toBe(400);
        expect(res.body.error).toBe('Bad Request');
        expect(JSON.stringify(res.body.message)).toMatch(message);
        const password = (body as { password?: unknown }).password;
        if (typeof password === 'string') expect(JSON.stringify(res.body)).not.toContain(password);
      },
    );

    it('accepts a 64+ character passphrase', async () => {
      const res = await sample.client.post('/auth/register', {
        username: 'longpass',
        email: 'longpass@example.com',
        password: 'the quick brown fox jumps over a lazy dog while rain hits the tin roof',
      });
      expect(res.status).toBe(201);
    });

    it('answers 400 for a body that is not a JSON object, and 413 for a huge one', async () => {
      const array = await sample.client.send('/auth/register', { method: 'POST', json: [1, 2] });
      expect(array.status).toBe(400);
      const broken = await sample.client.send('/auth/register', {
        method: 'POST',
        body: '{"username": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(broken.status).toBe(400);
      const huge = await sample.client.post('/auth/register', {
        username: 'huge',
        email: 'huge@example.com',
        password: 'p'.repeat(200_000),
      });
      expect(huge.status).toBe(413);
    });
  });

  describe('bodies the HTTP layer refuses', () => {
    const SECRET = 'hunter2secret';
    const json = { 'content-type': 'application/json' };

    /** Sends `rawBody` to the login route; `text` is the whole answer body, to search. */
    async function refused(rawBody: string, headers: Record<string, string>) {
      const res = await sample.client.send('/auth/login', {
        method: 'POST',
        body: rawBody,
        headers,
      });
      return { status: res.status, body: res.body, text: JSON.stringify(res.body) };
    }

    it.each([
      ['malformed JSON', `{"username":"a","password": ${SECRET}}`, json],
      ['truncated JSON', `{"username":"a","password":"${SECRET}`, json],
      [
        // Express fails to inflate it; Fastify ignores the encoding and fails to parse it.
        'a gzip body that is neither gzip nor JSON',
        `password: ${SECRET}`,
        { ...json, 'content-encoding': 'gzip' },
      ],
    ])('answers %s with the generic 400, without echoing the body', async (_what, raw, headers) => {
      const res = await refused(raw, headers);
      expect([res.status, res.body]).toEqual([400, { statusCode: 400, message: 'Bad Request' }]);
      expect(res.text).not.toContain(SECRET);
    });

    it('answers a body over the limit with the generic 413', async () => {
      const res = await refused(
        JSON.stringify({ username: 'a', password: `${SECRET}-${'p'.repeat(100_000)}` }),
        json,
      );
      expect([res.status, res.body]).toEqual([
        413,
        { statusCode: 413, message: 'Payload Too Large' },
      ]);
      expect(res.text).not.toContain(SECRET);
    });

    it('answers a body it cannot decode with the generic 415', async () => {
      // Express refuses an unknown charset; Fastify, a media type it has no parser for.
      const headers =
        adapter === 'express'
          ? { 'content-type': 'application/json; charset=klingon' }
          : { 'content-type': 'application/xml' };
      const res = await refused(`<password>${SECRET}</password>`, headers);
      expect([res.status, res.body]).toEqual([
        415,
        { statusCode: 415, message: 'Unsupported Media Type' },
      ]);
      expect(res.text).not.toContain(SECRET);
    });

    /** `inner` inside `depth` arrays. */
    const arrays = (depth: number, inner = '0') =>
      `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
    /** `inner` inside `depth` objects. */
    const objects = (depth: number, inner = '0') =>
      `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

    it.each([
      ['arrays 5000 deep in a field', '/auth/login', `{"username":"a","x":${arrays(5000)}}`],
      [
        'objects 3000 deep in a field the DTO drops',
        '/auth/password-reset/request',
        `{"email":"deep@example.com","x":${objects(3000)}}`,
      ],
      ['a body that is nothing but nesting', '/auth/register', arrays(20_000)],
      ['a body one level deeper than allowed', '/auth/login', `{"x":${arrays(MAX_JSON_DEPTH)}}`],
    ])('answers %s with the generic 400', async (_what, path, raw) => {
      const res = await sample.client.send(path, { method: 'POST', body: raw, headers: json });
      expect([res.status, res.body]).toEqual([400, { statusCode: 400, message: 'Bad Request' }]);
    });

    it('lets nesting up to the limit, and brackets inside strings, through to the route', async () => {
      const body = {
        username: 'nobody-here',
        password: 'not the password',
        x: JSON.parse(arrays(MAX_JSON_DEPTH - 1)) as unknown,
        // Quotes and backslashes escaped inside a string do not end it.
        note: `\\"${'[{'.repeat(5000)}\\`,
      };
      const res = await sample.client.post('/auth/login', body);
      expect([res.status, res.body.message]).toEqual([401, 'Invalid credentials']);
    });

    it('answers a JSON body in another charset than UTF-8 with the generic 415', async () => {
      const res = await sample.client.send('/auth/login', {
        method: 'POST',
        body: Buffer.from(`{"username":"a","password":"b","x":${arrays(5000)}}`, 'utf16le'),
        headers: { 'content-type': 'application/json; charset=utf-16le' },
      });
      expect([res.status, res.body]).toEqual([
        415,
        { statusCode: 415, message: 'Unsupported Media Type' },
      ]);
    });

    it('still answers a well-formed but invalid body with the validation messages', async () => {
      const res = await sample.client.post('/auth/login', { username: '', password: 42 });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.arrayContaining(['password must be a string']),
      });
    });
  });

  describe('password reset', () => {
    beforeAll(async () => {
      const res = await sample.client.post('/auth/register', {
        username: 'reset_user',
        email: 'reset@example.com',
        password: PASSWORD,
      });
      expect(res.status).toBe(201);
    });

    it('answers 202 for known and unknown emails alike, and mails only the known one', async () => {
      const before = (await sample.outbox()).length;
      const unknown = await sample.client.post('/auth/password-reset/request', {
        email: 'nobody@example.com',
      });
      expect(unknown.status).toBe(202);
      expect(await sample.outbox()).toHaveLength(before);
      const known = await sample.client.post('/auth/password-reset/request', {
        email: 'RESET@example.com',
      });
      expect(known.status).toBe(202);
      expect(known.body).toEqual(unknown.body);
      const mails = await sample.outbox();
      expect(mails).toHaveLength(before + 1);
      const mail = mails.at(-1)!;
      expect(mail).toMatch(/^To: reset@example\.com$/m);
      expect(mail).toMatch(/^Subject: Reset your password$/m);
      expect(mail).toMatch(/^Message-ID: </m);
      expect(mail).toContain('\r\n');
      expect(resetTokenFrom(mail)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('answers known and unknown emails on the same path, and does the work after', async () => {
      const work = sample.app.get(BackgroundWork);
      const db = sample.app.get(SqliteDatabase).db;
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const written = async () => ({
        tokens: count('SELECT COUNT(*) AS n FROM password_reset_tokens'),
        audit: count(
          "SELECT COUNT(*) AS n FROM audit_events WHERE type = 'password_reset_requested'",
        ),
        mails: (await sample.outbox()).length,
      });
      const lookup = vi.spyOn(sample.app.get(UsersRepository), 'findByEmail');
      // The queued work is held here, to look at what the requests did by themselves.
      const queued: Parameters<BackgroundWork['defer']>[] = [];
      const defer = vi.spyOn(work, 'defer').mockImplementation((...args) => {
        queued.push(args);
      });
      try {
        const before = await written();
        const known = await sample.client.post('/auth/password-reset/request', {
          email: 'reset@example.com',
        });
        const unknown = await sample.client.post('/auth/password-reset/request', {
          email: 'nobody@example.com',
        });
        expect([known.status, known.body]).toEqual([202, undefined]);
        expect([unknown.status, unknown.body]).toEqual([202, undefined]);
        // Each answered having only queued the same work: no lookup, no write, no audit, no mail.
        expect(queued.map(([what]) => what)).toEqual([
          'password reset request',
          'password reset request',
        ]);
        expect(lookup).not.toHaveBeenCalled();
        expect(await written()).toEqual(before);

        defer.mockRestore();
        for (const args of queued) work.defer(...args);
        await work.idle();
        expect(lookup).toHaveBeenCalledTimes(2);
        expect(await written()).toEqual({
          tokens: before.tokens + 1,
          audit: before.audit + 1,
          mails: before.mails + 1,
        });
      } finally {
        defer.mockRestore();
        lookup.mockRestore();
      }
    });

    it('logs a failure of the work done after the answer, and keeps serving', async () => {
      const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const lookup = vi
        .spyOn(sample.app.get(UsersRepository), 'findByEmail')
        .mockImplementation(() => {
          throw new Error('database is locked');
        });
      try {
        const res = await sample.client.post('/auth/password-reset/request', {
          email: 'reset@example.com',
        });
        expect(res.status).toBe(202);
        await sample.app.get(BackgroundWork).idle();
        expect(lookup).toHaveBeenCalledTimes(1);
        expect(logged).toHaveBeenCalledWith(
          'password reset request failed: database is locked',
          expect.any(String),
        );
      } finally {
        logged.mockRestore();
        lookup.mockRestore();
      }
      expect((await sample.client.get('/health')).status).toBe(200);
      await sample.client.post('/auth/password-reset/request', { email: 'reset@example.com' });
      expect(resetTokenFrom((await sample.outbox()).at(-1)!)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('answers 400 for a missing or malformed email', async () => {
      expect((await sample.client.post('/auth/password-reset/request', {})).status).toBe(400);
      expect(
        (await sample.client.post('/auth/password-reset/request', { email: 'x' })).status,
      ).toBe(400);
    });

    it('spends a token once; a weak password is refused without spending it', async () => {
      await sample.client.post('/auth/password-reset/request', { email: 'reset@example.com' });
      const token = resetTokenFrom((await sample.outbox()).at(-1)!);
      const weak = await sample.client.post('/auth/password-reset/confirm', {
        token,
        new_password: 'password',
      });
      expect(weak.status).toBe(400);
      const ok = await sample.client.post('/auth/password-reset/confirm', {
        token,
        new_password: 'a brand new passphrase',
      });
      expect(ok.status).toBe(204);
      const again = await sample.client.post('/auth/password-reset/confirm', {
        token,
        new_password: 'yet another passphrase',
      });
      expect(again.status).toBe(401);
      expect(again.body).toEqual({
        statusCode: 401,
        message: 'Invalid or expired token',
        error: 'Unauthorized',
      });
    });

    it('voids older tokens when a new one is asked for', async () => {
      await sample.client.post('/auth/password-reset/request', { email: 'reset@example.com' });
      const first = resetTokenFrom((await sample.outbox()).at(-1)!);
      await sample.client.post('/auth/password-reset/request', { email: 'reset@example.com' });
      const second = resetTokenFrom((await sample.outbox()).at(-1)!);
      expect(second).not.toBe(first);
      const old = await sample.client.post('/auth/password-reset/confirm', {
        token: first,
        new_password: 'some fresh passphrase',
      });
      expect(old.status).toBe(401);
      const current = await sample.client.post('/auth/password-reset/confirm', {
        token: second,
        new_password: 'some fresh passphrase',
      });
      expect(current.status).toBe(204);
    });

    it('refuses a token after 15 minutes', async () => {
      await sample.client.post('/auth/password-reset/request', { email: 'reset@example.com' });
      const token = resetTokenFrom((await sample.outbox()).at(-1)!);
      clock.advance(15 * 60_000);
      const res = await sample.client.post('/auth/password-reset/confirm', {
        token,
        new_password: 'too late passphrase',
      });
      expect(res.status).toBe(401);
    });

    it.each([
      ['a made-up token', 'A'.repeat(43)],
      ['a short token', 'abc'],
      ['a token with odd characters', `${'A'.repeat(42)}$`],
    ])('answers 401 for %s', async (_what, token) => {
      const res = await sample.client.post('/auth/password-reset/confirm', {
        token,
        new_password: 'some fresh passphrase',
      });
      expect(res.status).toBe(401);
    });

    it('answers 400 for missing fields', async () => {
      const res = await sample.client.post('/auth/password-reset/confirm', { token: 'x' });
      expect(res.status).toBe(400);
    });
  });

  describe('documentation', () => {
    it('serves Swagger UI at /docs', async () => {
      const res = await sample.client.get('/docs');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.body).toContain('swagger-ui');
    });

    it('declares the schemes of the configured backends, listed on protected routes only', async () => {
      const res = await sample.client.get('/docs-json');
      expect(res.status).toBe(200);
      const doc = res.body;
      // Derived by nestjs-gatehouse/swagger from the backends: nothing on the routes repeats it.
      expect(doc.components.securitySchemes).toEqual({
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apikey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: expect.stringMatching(/sample\.sid$/),
          description: expect.stringContaining('CSRF'),
        },
      });
      const security = (path: string, method: string) =>
        (doc.paths[path][method].security ?? []).map((s: object) => Object.keys(s)[0]).sort();
      const all = ['apikey', 'jwt', 'session'];
      expect(security('/reports', 'get')).toEqual(all);
      expect(security('/admin/users', 'get')).toEqual(all);
      expect(security('/auth/me', 'get')).toEqual(all);
      expect(security('/api-keys', 'post')).toEqual(['jwt']);
      // Account management is for people: no API key.
      expect(security('/api-keys', 'get')).toEqual(['jwt', 'session']);
      expect(security('/auth/me', 'patch')).toEqual(['jwt', 'session']);
      expect(security('/auth/password/change', 'post')).toEqual(['jwt', 'session']);
      expect(security('/auth/logout', 'post')).toEqual(['jwt']);
      expect(security('/auth/session/logout', 'post')).toEqual(['session']);
      expect(security('/health', 'get')).toEqual([]);
      expect(security('/auth/login', 'post')).toEqual([]);
      expect(security('/auth/register', 'post')).toEqual([]);
      // Protected routes answer 401, and 403 where a permission, freshness or CSRF can refuse.
      const statuses = (path: string, method: string) =>
        Object.keys(doc.paths[path][method].responses);
      expect(statuses('/auth/me', 'get')).toContain('401');
      expect(statuses('/auth/me', 'get')).not.toContain('403');
      expect(statuses('/admin/users', 'get')).toEqual(expect.arrayContaining(['401', '403']));
      expect(statuses('/api-keys', 'post')).toEqual(expect.arrayContaining(['401', '403']));
      expect(statuses('/health', 'get')).not.toContain('401');
      expect(doc.paths['/admin/users'].get.description).toContain('`users:manage`');
      // The DTOs are documented, without a roles field on registration.
      expect(Object.keys(doc.components.schemas.RegisterDto.properties).sort()).toEqual([
        'email',
        'password',
        'username',
      ]);
    });
  });

  it('answers protected routes without credentials with the generic 401', async () => {
    for (const [method, path] of [
      ['GET', '/auth/me'],
      ['GET', '/reports'],
      ['POST', '/reports'],
      ['DELETE', '/reports/1'],
      ['GET', '/admin/users'],
      ['PATCH', '/admin/users/x'],
      ['GET', '/admin/audit'],
      ['GET', '/api-keys'],
      ['POST', '/api-keys'],
      ['DELETE', '/api-keys/x'],
      ['GET', '/auth/sessions'],
      ['DELETE', '/auth/sessions/x'],
      ['POST', '/auth/logout'],
      ['POST', '/auth/logout-all'],
      ['POST', '/auth/password/change'],
      ['POST', '/auth/session/logout'],
    ] as const) {
      const res = await sample.client.send(
        path,
        method === 'GET' ? { method } : { method, json: {} },
      );
      expect([method, path, res.status, res.body]).toEqual([
        method,
        path,
        401,
        GENERIC_BODIES[401],
      ]);
    }
  });
});
