/**
 * The settings of the session backend: `AuthModule.forRoot({ session: { … } })`.
 *
 * Only `secret` is required. The defaults follow OWASP's session management guidance.
 *
 * @example
 * const session: SessionOptions = {
 *   secret: process.env.SESSION_SECRET!,
 *   hostPrefix: true,
 *   idleTimeoutSeconds: 30 * 60,
 *   trustedOrigins: ['https://app.example.com'],
 * };
 */
export interface SessionOptions {
  /**
   * Signs the session cookie: at least 32 characters of random data. An array rotates secrets:
   * the first signs new cookies, every one of them verifies. Required.
   */
  secret: string | readonly string[];
  /**
   * The cookie's name. It must not be a framework default (`connect.sid`, `sessionId`), which
   * tells an attacker what runs the server. Default: `'gatehouse.sid'`.
   */
  cookieName?: string;
  /**
   * Prefix the cookie's name with `__Host-`, so browsers only accept it when it is Secure, has
   * `Path=/` and no `Domain` (a sibling subdomain cannot plant or overwrite it). Needs
   * `secure: true`. Default: the value of `secure` (on, unless cookies are sent over plain HTTP).
   */
  hostPrefix?: boolean;
  /** A session unused this long ends, checked on the server. Default: `1800` (30 minutes). */
  idleTimeoutSeconds?: number;
  /**
   * A session ends this long after login, however active it is, checked on the server.
   * Default: `28800` (8 hours).
   */
  absoluteTimeoutSeconds?: number;
  /**
   * Send the cookie with `Secure`, so only over HTTPS, or over plain HTTP on loopback
   * (`http://127.0.0.1`, `http://[::1]`, `http://localhost`), which browsers treat as a secure
   * context: local development needs no change. Set it to `false` only for plain-HTTP tests; a
   * warning is logged when it is off. Behind a TLS-terminating proxy, keep it on and make the
   * framework trust the proxy (`app.set('trust proxy', …)` on Express,
   * `new FastifyAdapter({ trustProxy: … })` on Fastify). Default: `true`.
   */
  secure?: boolean;
  /**
   * The cookie's `SameSite` attribute. `'none'` needs `secure: true`. Default: `'lax'`.
   */
  sameSite?: 'lax' | 'strict' | 'none';
  /**
   * Origins, besides the server's own, whose pages may send session-authenticated writes
   * (for example a front end on another host): `['https://app.example.com']`. Default: none.
   */
  trustedOrigins?: readonly string[];
  /** The request header that carries the CSRF token. Default: `'X-CSRF-Token'`. */
  csrfHeader?: string;
  /**
   * How long after login a session counts as *fresh* for `@Auth({ fresh: true })` routes.
   * Default: `300` (5 minutes).
   */
  freshForSeconds?: number;
}
