import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type SampleApp } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { BackgroundWork } from '../../src/common/background-work.js';

/** A sample app started in process for a spec, on a free port with its own temporary files. */
export interface TestSample extends SampleApp {
  readonly config: AppConfig;
  /** The temporary directory holding the SQLite file and the outbox. */
  readonly dir: string;
  readonly client: HttpClient;
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
    client: new HttpClient(started.url, headers),
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

/** A response, read once. */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small JSON client over `fetch` that keeps a cookie jar (for the session routes). */
export class HttpClient {
  private readonly cookies = new Map<string, string>();

  /** `defaults` are sent with every request (for example `X-Forwarded-Proto` behind a proxy). */
  constructor(
    readonly url: string,
    private readonly defaults: Record<string, string> = {},
  ) {}

  /** Sends a request with a JSON body (when given) and reads the answer. */
  async send<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...this.defaults, ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.body);
    }
    if (this.cookies.size > 0 && headers.cookie === undefined) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const response = await fetch(this.url + path, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line))
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.send<T>('GET', path, { headers });
  }

  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.send<T>('POST', path, { body, headers });
  }

  patch<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.send<T>('PATCH', path, { body, headers });
  }

  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.send<T>('DELETE', path, { headers });
  }

  /** A client for the same app with an empty cookie jar. */
  fresh(): HttpClient {
    return new HttpClient(this.url, this.defaults);
  }

  /** The cookies currently held. */
  cookieJar(): ReadonlyMap<string, string> {
    return this.cookies;
  }
}

/** The token in a password-reset mail (its body is quoted-printable or plain). */
export function resetTokenFrom(eml: string): string {
  const body = eml
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join('\n')
    .replace(/=\r?\n/g, '');
  const match = /^([A-Za-z0-9_-]{43})$/m.exec(body);
  if (!match) throw new Error('no reset token in the mail');
  return match[1]!;
}

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

/** Logs in with the JWT endpoint; throws unless it succeeds. */
export async function login(
  client: HttpClient,
  username: string,
  password = PASSWORD,
): Promise<Account> {
  const res = await client.post('/auth/login', { username, password });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status}`);
  const me = await client.get('/auth/me', { authorization: `Bearer ${res.body.access_token}` });
  return {
    id: me.body.id,
    username,
    access: res.body.access_token,
    refresh: res.body.refresh_token,
    auth: { authorization: `Bearer ${res.body.access_token}` },
  };
}

/** Registers a new account (with `roles` granted by the admin when given) and logs it in. */
export async function newAccount(
  client: HttpClient,
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

/** The claims of a JWT, without verifying it (to look at what the app put in). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
