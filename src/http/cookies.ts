import { parse, serialize, type SerializeOptions } from 'cookie';
import type { AuthRequest } from '../core/auth-request.js';

const parsed = new WeakMap<object, Record<string, string | undefined>>();

/**
 * Reads one cookie of a request on either adapter: from `request.cookies` when cookie-parser or
 * @fastify/cookie already parsed them, otherwise from the `Cookie` header (parsed once per
 * request).
 */
export function readCookie(request: AuthRequest, name: string): string | undefined {
  const ready = request.cookies;
  if (ready !== null && typeof ready === 'object') {
    const value = ready[name];
    return typeof value === 'string' ? value : undefined;
  }
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header === '') return undefined;
  let cookies = parsed.get(request);
  if (cookies === undefined) {
    cookies = parse(header);
    parsed.set(request, cookies);
  }
  return cookies[name];
}

interface SetCookieWritable {
  append?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
  getHeader?: (name: string) => unknown;
  setHeader?: (name: string, value: string | string[]) => unknown;
}

/**
 * Adds a `Set-Cookie` header to an Express `Response` or a Fastify `FastifyReply` (or a bare
 * Node `ServerResponse`), keeping the cookies set before it.
 */
export function appendSetCookie(
  response: unknown,
  name: string,
  value: string,
  options: SerializeOptions,
): void {
  const line = serialize(name, value, options);
  const res = response as SetCookieWritable;
  if (typeof res.append === 'function') {
    res.append('Set-Cookie', line);
  } else if (typeof res.header === 'function') {
    // Fastify's reply.header appends to an existing set-cookie instead of replacing it.
    res.header('set-cookie', line);
  } else if (typeof res.setHeader === 'function' && typeof res.getHeader === 'function') {
    const existing = res.getHeader('set-cookie');
    const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
    res.setHeader('set-cookie', [...list, line]);
  } else {
    throw new TypeError('appendSetCookie: not an Express or Fastify response object');
  }
}
