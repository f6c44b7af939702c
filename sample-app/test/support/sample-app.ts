import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type SampleApp } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { BackgroundWork } from '../../src/common/background-work.js';
import { bearer, BrowserClient, type HttpResult } from '../../../test/support/http.js';

/** A sample app started in process for a spec, on a free port with its own temporary files. */
export interface TestSample extends SampleApp {
  readonly config: AppConfig;
  /** The temporary directory holding the SQLite file and the outbox. */
  readonly dir: string;
  readonly client: BrowserClient;
  /** The `.eml` files in the outbox, oldest first, once the work in the background is done. */
  outbox(): Promise<string[]>;
}

/** A strong random-looking secret for tests (never used outside them). */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';

/** The configuration a spec starts from: loopback, port 0, a temporary SQLite file. */
export function testConfig(dir: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    production: false,
    port: 0,
    host: '127.0.0.1',
    httpAdapter: 'express',
    databasePath: join(dir, 'sample.db'),
    jwt: {
      algorithm: 'HS256',
      secret: TEST_SECRET,
      issuer: 'sample-app',
      audience: 'sample-app',
      accessTokenTtl: 900,
      refreshTokenTtl: 1_209_600,
    },
    sessionSecret: `${TEST_SECRET}-session`,
    mailOutboxDir: join(dir, 'outbox'),
    login: { maxAttempts: 5, lockoutSeconds: 900 },
    trustProxy: false,
    logger: false,
    ...overrides,
  };
}

/** Starts the sample app with `testConfig` plus `overrides`, in a fresh temporary directory. */
export async function startSample(
  overrides: Partial<AppConfig> = {},
  dir = mkdtempSync(join(tmpdir(), 'sample-app-')),
  headers: Record<string, string> = {},
): Promise<TestSample> {
  const config = testConfig(dir, overrides);
  const started = await createApp(config);
  return {
    ...started,
    config,
    dir,
    client: new BrowserClient(started.url, headers),
    outbox: async () => {
      await started.app.get(BackgroundWork).idle();
      try {
        return readdirSync(config.mailOutboxDir)
          .filter((name) => name.endsWith('.eml'))
          .sort()
          .map((name) => readFileSync(join(config.mailOutboxDir, name), 'utf8'));
      } catch {
        return [];
      }
    },
    close: async () => {
      await started.close();
      if (overrides.databasePath === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a TLS-terminating proxy adds to each request it forwards over plain HTTP. */
export const FORWARDED_HTTPS: Readonly<Record<string, string>> = { 'x-forwarded-proto': 'https' };

/**
 * Starts the sample app as production serves it: plain HTTP behind a TLS-terminating proxy that
 * says so (`trustProxy`, and {@link FORWARDED_HTTPS} on every request of its client).
 * express-session only sets a Secure cookie on a request it believes is HTTPS.
 */
export function startSampleBehindProxy(overrides: Partial<AppConfig> = {}): Promise<TestSample> {
  return startSample({ ...overrides, trustProxy: true }, undefined, { ...FORWARDED_HTTPS });
}

/**
 * The token in a mail of the app (a password reset, an email confirmation): a line of its own,
 * 43 base64url characters. The body is quoted-printable or plain.
 */
export function mailTokenFrom(eml: string): string {
  const body = eml
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join('\n')
    .replace(/=\r?\n/g, '');
  const match = /^([A-Za-z0-9_-]{43})$/m.exec(body);
  if (!match) throw new Error('no token in the mail');
  return match[1]!;
}

/** The token in a password-reset mail. */
export const resetTokenFrom = mailTokenFrom;

/** A strong password every test account uses unless a test says otherwise. */
export const PASSWORD = 'correct horse battery staple';

/** The first admin every e2e app starts with (from the ADMIN_* configuration). */
export const ADMIN = {
  username: 'root',
  password: 'admin passphrase for the tests',
  email: 'root@example.com',
};

/** A logged-in account: its id and token pair. */
export interface Account {
  id: string;
  username: string;
  access: string;
  refresh: string;
  /** `Authorization: Bearer <access>` */
  auth: Record<string, string>;
}

let accountCounter = 0;

/** A fresh unique username (tests share one database per app). */
export function uniqueName(base = 'user'): string {
  accountCounter += 1;
  return `${base}_${process.pid}_${accountCounter}`;
}

/** `POST /auth/login` (the JWT login) as `client`; the answer as it is. */
export function postLogin(
  client: BrowserClient,
  username: string,
  password = PASSWORD,
): Promise<HttpResult> {
  return client.post('/auth/login', { username, password });
}

/** Logs in with the JWT endpoint; throws unless it succeeds. */
export async function login(
  client: BrowserClient,
  username: string,
  password = PASSWORD,
): Promise<Account> {
  const res = await postLogin(client, username, password);
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status}`);
  const me = await client.get('/auth/me', bearer(res.body.access_token));
  return {
    id: me.body.id,
    username,
    access: res.body.access_token,
    refresh: res.body.refresh_token,
    auth: bearer(res.body.access_token),
  };
}

/** Registers a new account (with `roles` granted by the admin when given) and logs it in. */
export async function newAccount(
  client: BrowserClient,
  options: { roles?: string[]; base?: string } = {},
): Promise<Account> {
  const username = uniqueName(options.base);
  const reg = await client.post('/auth/register', {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  });
  if (reg.status !== 201) throw new Error(`register of ${username} failed: ${reg.status}`);
  if (options.roles) {
    const admin = await login(client, ADMIN.username, ADMIN.password);
    const res = await client.patch(
      `/admin/users/${reg.body.id}`,
      { roles: options.roles },
      admin.auth,
    );
    if (res.status !== 200) throw new Error(`role change failed: ${res.status}`);
  }
  return login(client, username);
}

/** `POST /auth/session/login` as the browser `browser`; the answer as it is. */
export function postSessionLogin(
  browser: BrowserClient,
  username: string,
  headers: Record<string, string> = {},
  password = PASSWORD,
): Promise<HttpResult> {
  return browser.post('/auth/session/login', { username, password }, headers);
}
