import { randomBytes } from 'node:crypto';
import { Logger, type Type } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { AUTH_REASONS, ApiKeyService, AuthEvents, configureSessions } from 'nestjs-gatehouse';
import { apiKeyApp } from './apps/api-key.app.js';
import { jwtAppModule } from './apps/jwt.app.js';
import { sessionApp } from './apps/session.app.js';
import { CookieJar } from './support/cookie-jar.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { bearer, GENERIC_BODIES, type HeaderMap, type RequestOptions } from './support/http.js';
import { RecordingEvents } from './support/recording-events.js';
import { postLogin } from './support/session-login.js';

/** An audit sink whose database is down: every emit throws. */
class BrokenEvents extends AuthEvents {
  emit(): void {
    throw new Error('audit database unreachable');
  }
}

/** What a client saw of one response: the status, and everything it could read. */
interface Seen {
  status: number;
  text: string;
}

/** One scripted conversation with an app; it returns what the client saw, response by response. */
type Script = (app: RunningApp) => Promise<Seen[]>;

async function seen(response: Response): Promise<Seen> {
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  return { status: response.status, text: `${headers}\n\n${await response.text()}` };
}

/** A POST of `body` as JSON. */
const post = (body: unknown, headers: HeaderMap = {}): RequestOptions => ({
  method: 'POST',
  json: body,
  headers,
});

/** Sends requests to `app`, as the browser `jar` when given, and keeps what the client saw. */
function recorder(app: RunningApp, jar?: CookieJar) {
  const out: Seen[] = [];
  const call = async (path: string, options: RequestOptions = {}) => {
    const response = await app.send(path, { jar, ...options });
    out.push(await seen(response.clone()));
    return response;
  };
  return { out, call };
}

const jwt: Script = async (app) => {
  const { out, call } = recorder(app);
  const pair = (await (await call('/auth/login', post({ username: 'alice' }))).json()) as {
    access_token: string;
    refresh_token: string;
  };
  const as = (token: string) => ({ headers: bearer(token) });
  await call('/me', as(pair.access_token));
  await call('/me', as('not-a-token'));
  // A refresh token where an access token belongs: JWT_TYP_MISMATCH with a detail.
  await call('/me', as(pair.refresh_token));
  await call('/auth/refresh', post({ refresh_token: pair.refresh_token }));
  // The spent refresh token again: reuse detected, the family revoked.
  await call('/auth/refresh', post({ refresh_token: pair.refresh_token }));
  await call('/me', as(pair.access_token));
  const jar = new CookieJar();
  await call('/auth/login-cookie', { ...post({ username: 'bob' }), jar });
  await call('/write', post({}, { cookie: jar.header()! }));
  const fresh = (await (await call('/auth/login', post({ username: 'carol' }))).json()) as {
    access_token: string;
  };
  await call('/auth/logout', post({}, bearer(fresh.access_token)));
  await call('/me', as(fresh.access_token));
  return out;
};

const session: Script = async (app) => {
  const jar = new CookieJar();
  const { out, call } = recorder(app, jar);
  await call('/me');
  const login = await postLogin(app, 'alice', { jar });
  const { csrf_token } = (await login.clone().json()) as { csrf_token: string };
  out.push(await seen(login));
  const stale = jar.header()!;
  await call('/me');
  await call('/notes', post({ text: 'no token' }));
  await call(
    '/notes',
    post({ text: 'cross-site' }, { 'x-csrf-token': csrf_token, origin: 'https://evil.example' }),
  );
  await call('/notes', post({ text: 'fine' }, { 'x-csrf-token': csrf_token }));
  await call('/auth/logout', post({}, { 'x-csrf-token': csrf_token }));
  await call('/me', { headers: { cookie: stale } });
  return out;
};

const apiKeys: Script = async (app) => {
  const out: Seen[] = [];
  const service = app.app.get(ApiKeyService);
  const { key, record } = await service.create({ owner: 'alice', name: 'ci' });
  const call = async (headers: HeaderMap) => out.push(await seen(await app.get('/me', headers)));
  await call({ 'x-api-key': key });
  // The last character replaced by a different one, so the key is always really tampered with.
  await call({ 'x-api-key': `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` });
  await call({ 'x-api-key': 'gk_garbage' });
  expect(await service.revoke(record.id)).toBe(true);
  await call({ 'x-api-key': key });
  return out;
};

const jwtOptions = {
  algorithms: ['HS256' as const],
  secret: randomBytes(48).toString('base64url'),
  issuer: 'api',
  audience: 'api',
};

const scenarios: [string, () => Type<unknown>, Script, boolean][] = [
  ['JWT', () => jwtAppModule(jwtOptions), jwt, false],
  ['sessions', () => sessionApp(), session, true],
  ['API keys', () => apiKeyApp(), apiKeys, false],
];

const codes = Object.keys(AUTH_REASONS);

describe.each(adapters)('auth events go through one publisher (%s)', (adapter) => {
  let logged: MockInstance<Logger['error']>;
  beforeEach(() => {
    logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  async function run(module: Type<unknown>, sink: AuthEvents, sessions: boolean, script: Script) {
    const app = await startApp(
      adapter,
      module,
      (b) => b.overrideProvider(AuthEvents).useValue(sink),
      sessions ? (a) => configureSessions(a) : undefined,
    );
    try {
      return await script(app);
    } finally {
      await app.close();
    }
  }

  /** The event types the publisher logged a sink failure for, one entry per log line. */
  const sinkFailures = () =>
    logged.mock.calls
      .map((call) => String(call[0]))
      .filter((message) => message.startsWith('auth event sink failed on '))
      .map((message) => message.slice('auth event sink failed on '.length));

  it.each(scenarios)(
    '%s: a throwing sink changes no answer, and each failed event is logged once',
    async (_name, module, script, sessions) => {
      const kept = new RecordingEvents();
      const withAudit = await run(module(), kept, sessions, script);
      const withoutAudit = await run(module(), new BrokenEvents(), sessions, script);

      expect(withoutAudit.map((s) => s.status)).toEqual(withAudit.map((s) => s.status));
      expect(withAudit.some((s) => s.status >= 400)).toBe(true);
      // Every event the working sink received is exactly one error line with the broken one.
      expect(sinkFailures()).toEqual(kept.events.map((e) => e.type));
      expect(logged).toHaveBeenCalledTimes(kept.events.length);
    },
  );

  it.each(scenarios)(
    '%s: no reason code or detail reaches a response',
    async (_name, module, script, sessions) => {
      const kept = new RecordingEvents();
      const responses = await run(module(), kept, sessions, script);
      const failures = kept.events.filter((e) => e.reason !== undefined);
      expect(failures.length).toBeGreaterThan(0);
      const details = kept.events.flatMap((e) => (e.detail === undefined ? [] : [e.detail]));
      for (const { status, text } of responses) {
        for (const code of codes) expect(text).not.toContain(code);
        for (const detail of details) expect(text).not.toContain(detail);
        if (status === 401 || status === 403 || status === 503) {
          expect(JSON.parse(text.slice(text.indexOf('\n\n') + 2))).toEqual(GENERIC_BODIES[status]);
        }
      }
    },
  );
});
