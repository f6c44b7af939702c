import { ServerResponse } from 'node:http';
import { Logger, type INestApplication } from '@nestjs/common';
import { Clock } from '../core/clock.js';
import { AuthConfigurationError, AuthUnavailableError } from '../core/auth-error.js';
import { cookieTransport } from '../http/loopback.js';
import { hasCookie, SESSION_BINDING, type SessionBinding } from './session-binding.js';
import { SessionMiddlewareStore } from './session-middleware.store.js';
import {
  installFastifySessions,
  newSessionId,
  type FastifySessionHost,
} from './fastify-sessions.js';
import { SessionInstallation } from './session-installation.js';
import { SessionSettings } from './session-settings.js';
import { SessionStore } from './session-store.js';

type Done = (error?: unknown) => void;
type SessionObject = Record<string, unknown>;

interface ExpressRequest {
  headers: Record<string, string | string[] | undefined>;
  secure?: boolean;
  socket?: { remoteAddress?: string };
  session?: SessionObject & {
    regenerate(cb: Done): void;
    save(cb: Done): void;
    destroy(cb: Done): void;
  };
  sessionID?: string;
  sessionStore?: { generate(req: ExpressRequest): void };
}
interface ExpressResponse {
  clearCookie(name: string, options: object): void;
  end(...args: unknown[]): unknown;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  destroy(): void;
  statusCode: number;
  getHeaderNames(): string[];
  removeHeader(name: string): void;
  setHeader(name: string, value: string): unknown;
}

interface FastifyInstance extends FastifySessionHost {
  register(plugin: unknown, options?: object): PromiseLike<unknown>;
  hasDecorator(name: string): boolean;
}

/**
 * Installs the session middleware on the application's HTTP adapter: express-session on
 * Express; on Fastify, @fastify/cookie and the library's own session layer (which reads the
 * session once per request and writes it only when it changed). Both use the library's cookie
 * settings (HttpOnly, Secure, SameSite, 256-bit ids, signed) and the configured `SessionStore`.
 *
 * The Secure cookie is sent over plain HTTP on loopback on both adapters (a browser on this
 * machine at http://127.0.0.1, http://[::1] or http://localhost), because browsers treat loopback
 * as a secure context and keep it; so local development needs no `secure: false`. Anywhere else
 * over plain HTTP, express-session sends no Secure cookie (and browsers would drop it), and the
 * login logs a warning saying why the session will not work.
 *
 * Call it once, before `app.listen()` (or `app.init()` in tests). Needs `SessionBackend` among
 * the module's backends.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * await configureSessions(app);
 * await app.listen(3000);
 */
export async function configureSessions(app: INestApplication): Promise<void> {
  let settings: SessionSettings;
  let installation: SessionInstallation;
  try {
    settings = app.get(SessionSettings, { strict: false });
    installation = app.get(SessionInstallation, { strict: false });
  } catch {
    throw new AuthConfigurationError(
      'backends',
      'configureSessions() was called, but SessionBackend is not configured',
      'add SessionBackend to AuthModule.forRoot({ backends }) and pass `session` options',
    );
  }
  if (installation.isInstalled) {
    throw new AuthConfigurationError(
      'session',
      'configureSessions() was called twice on the same application',
      'call it once, in main.ts',
    );
  }
  const store = new SessionMiddlewareStore(
    app.get(SessionStore, { strict: false }),
    app.get(Clock, { strict: false }),
    settings,
  );
  const adapter = app.getHttpAdapter();
  const type = adapter.getType();
  if (type === 'express') {
    await installExpress(app, settings, store);
  } else if (type === 'fastify') {
    await installFastify(adapter.getInstance() as FastifyInstance, settings, store);
  } else {
    throw new AuthConfigurationError(
      'session',
      `the HTTP adapter "${type}" is not supported`,
      'use @nestjs/platform-express or @nestjs/platform-fastify',
    );
  }
  installation.markInstalled(type);
}

async function installExpress(
  app: INestApplication,
  settings: SessionSettings,
  store: SessionMiddlewareStore,
): Promise<void> {
  const { default: session } = await load(() => import('express-session'), 'express-session');
  // express-session wants an instance of its own Store class (an EventEmitter with helpers).
  class ExpressSessionStore extends session.Store {
    override get(sid: string, callback: Done): void {
      store.get(sid, callback);
    }
    // express-session makes the request's session here when it read it from the store, and in
    // `generate` when it is new: the mark tells `set` which of the two it saves, and what to
    // compare at the end of the request.
    override createSession(
      ...args: Parameters<InstanceType<typeof session.Store>['createSession']>
    ) {
      const created = super.createSession(...args);
      markStored(created);
      return created;
    }
    override set(sid: string, data: object, callback: Done = noop): void {
      // A session read from the store is only updated, so a request that outlives its logout
      // does not bring the session back.
      const onlyIfStored = STORED in data;
      store.set(
        sid,
        data,
        (error) => {
          if (error === undefined || error === null) markStored(data);
          callback(error);
        },
        { onlyIfStored },
      );
    }
    override destroy(sid: string, callback?: Done): void {
      store.destroy(sid, callback);
    }
    override touch(sid: string, data: object, callback?: Done): void {
      store.touch(sid, data, callback);
    }
  }
  app.use((req: ExpressRequest, res: ExpressResponse, next: Done) => {
    const transport = cookieTransport(req.secure === true, req.headers, req.socket?.remoteAddress);
    if (settings.secure && transport === 'loopback') {
      // express-session sends a Secure cookie only when `req.secure`; on loopback the browser is
      // a secure context and keeps it, so this request counts as secure (and only this one).
      Object.defineProperty(req, 'secure', { value: true, configurable: true });
    }
    // Made before express-session runs, so `transport` is what arrived; every method reads the
    // session only when called.
    const binding: SessionBinding = {
      hadCookie: hasCookie(single(req.headers.cookie), settings.cookieName),
      transport,
      session: () => req.session ?? null,
      id: () => req.sessionID,
      regenerate: () =>
        new Promise<void>((resolve, reject) => {
          if (req.session) {
            req.session.regenerate((error) => (error ? reject(error) : resolve()));
          } else if (req.sessionStore) {
            // The session was ended earlier in this request; start a new one.
            req.sessionStore.generate(req);
            resolve();
          } else {
            reject(new Error('express-session attached no session'));
          }
        }),
      save: () =>
        new Promise<void>((resolve, reject) => {
          if (!req.session) return reject(new Error('express-session attached no session'));
          req.session.save((error) => (error ? reject(error) : resolve()));
        }),
      end: () =>
        new Promise<void>((resolve, reject) => {
          res.clearCookie(settings.cookieName, cookieAttributes(settings));
          if (!req.session) return resolve();
          // Without a session on the request, express-session sets no cookie of its own.
          req.session.destroy((error) => (error ? reject(error) : resolve()));
        }),
    };
    (req as { [SESSION_BINDING]?: SessionBinding })[SESSION_BINDING] = binding;
    next();
  });
  app.use(
    session({
      name: settings.cookieName,
      secret: [...settings.secrets],
      store: new ExpressSessionStore(),
      genid: newSessionId,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: cookieAttributes(settings),
    }),
  );
  app.use(saveBeforeResponse);
}

/**
 * express-session saves a changed session in `res.end`, after the handler's response has begun,
 * and a failed save still lets that response out. Wrapped after it, `res.end` saves first, and
 * a failed save answers the generic 503 instead, with no session cookie (the bridge has logged
 * the store's error). express-session then finds the session saved and writes nothing more. A
 * response already streaming (its headers sent) is past changing: express-session saves it as
 * before.
 */
function saveBeforeResponse(req: ExpressRequest, res: ExpressResponse, next: Done): void {
  const end = res.end;
  let ending = false;
  res.end = function (this: ExpressResponse, ...args: unknown[]) {
    // A second `end` while the save is pending (a handler that ends twice, a timeout middleware)
    // is dropped, as Node drops an `end` after the first: the first call's response goes out.
    if (ending) return this;
    const sess = req.session;
    if (res.headersSent || !sess || !changedSince(sess)) return end.apply(this, args);
    ending = true;
    sess.save((error) => {
      // Nothing can be sent on a response that has ended or been destroyed meanwhile.
      if (res.writableEnded || res.destroyed) return;
      if (error === undefined || error === null) {
        endDeferred(req, this, end, args);
        return;
      }
      // Without a session on the request, express-session sets no cookie and saves nothing.
      delete req.session;
      const refusal = new AuthUnavailableError('SESSION_STORE_UNAVAILABLE', { detail: 'save' });
      // The handler's body and the session cookie go; headers other middleware set (CORS,
      // security headers) stay, so a browser still reads the 503.
      dropBodyHeaders(res);
      res.statusCode = refusal.getStatus();
      res.setHeader('content-type', 'application/json; charset=utf-8');
      const done = args.find((arg) => typeof arg === 'function');
      endDeferred(
        req,
        this,
        end,
        done
          ? [JSON.stringify(refusal.getResponse()), done]
          : [JSON.stringify(refusal.getResponse())],
      );
    });
    return this;
  } as ExpressResponse['end'];
  next();
}

/**
 * `end` called after the save, outside the handler: what it throws (arguments `end` refuses)
 * can no longer reach the handler or Nest, so the response is answered with a generic 500 here
 * rather than left hanging. express-session's `end` has marked itself ended by then, so the 500
 * goes through Node's own `end`, with no session on the request (hence no session cookie).
 */
function endDeferred(
  req: ExpressRequest,
  res: ExpressResponse,
  end: ExpressResponse['end'],
  args: unknown[],
): void {
  try {
    (end as (...a: unknown[]) => unknown).apply(res, args);
  } catch (error) {
    SAVE_LOGGER.error(
      'the response could not be ended after the session was saved',
      error instanceof Error ? error.stack : String(error),
    );
    delete req.session;
    try {
      if (res.headersSent) throw error;
      dropBodyHeaders(res);
      res.statusCode = 500;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      (ServerResponse.prototype.end as (this: unknown, chunk: string) => unknown).call(
        res,
        JSON.stringify({ statusCode: 500, message: 'Internal Server Error' }),
      );
    } catch {
      res.destroy();
    }
  }
}

/** The handler's body headers and the session cookie; other middleware's headers stay. */
function dropBodyHeaders(res: ExpressResponse): void {
  for (const name of res.getHeaderNames()) {
    if (name === 'set-cookie' || name.startsWith('content-')) res.removeHeader(name);
  }
}

const SAVE_LOGGER = new Logger('Gatehouse');

/** The session's data as last read from or written to the store; set only on such sessions. */
const STORED = Symbol('gatehouse:stored');

function markStored(sess: object): void {
  (sess as { [STORED]?: string })[STORED] = dataJson(sess);
}

/**
 * Whether the session holds data the store does not have yet: changed since it was read or
 * written, or new with more than the cookie settings (which express-session would not save).
 */
function changedSince(sess: SessionObject): boolean {
  const stored = (sess as { [STORED]?: string })[STORED];
  if (stored === undefined) return Object.keys(sess).some((key) => key !== 'cookie');
  return dataJson(sess) !== stored;
}

/** The session's JSON without its cookie settings, as express-session compares sessions. */
function dataJson(sess: object): string {
  // A copy without `cookie` stringifies faster than a replacer that skips it.
  const { cookie: _cookie, ...data } = sess as SessionObject;
  return JSON.stringify(data);
}

function noop(): void {}

async function installFastify(
  fastify: FastifyInstance,
  settings: SessionSettings,
  store: SessionMiddlewareStore,
): Promise<void> {
  const { default: fastifyCookie } = await load(() => import('@fastify/cookie'), '@fastify/cookie');
  // An application may have registered @fastify/cookie itself; registering it twice fails.
  if (!fastify.hasDecorator('parseCookie')) await fastify.register(fastifyCookie);
  // Added after @fastify/cookie's hooks, so the cookies are parsed when the session is read and
  // its onSend has run when the session's cookie is set.
  installFastifySessions(fastify, settings, store);
}

function cookieAttributes(settings: SessionSettings) {
  return {
    path: '/',
    httpOnly: true,
    secure: settings.secure,
    sameSite: settings.sameSite,
  } as const;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join('; ') : value;
}

async function load<T>(importer: () => Promise<T>, name: string): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    if ((error as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new AuthConfigurationError(
        'session',
        `the package "${name}" is not installed`,
        `install it: npm install ${name}`,
      );
    }
    throw error;
  }
}
