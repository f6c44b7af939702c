import type { IncomingHttpHeaders } from 'node:http';

/**
 * How a request reached the server, as far as a `Secure` cookie is concerned: over HTTPS (or
 * behind a proxy the framework trusts to say so), straight from a browser on this machine that
 * addressed it as loopback (which browsers treat as a secure context, keeping `Secure` and
 * `__Host-` cookies from it), or over plain HTTP from anywhere else (where they drop them).
 */
export type CookieTransport = 'https' | 'loopback' | 'plain';

/** Headers a proxy adds: a request that carries any of them was relayed, not sent from here. */
const RELAY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/**
 * The {@link CookieTransport} of a request. `secure` is what the framework says (Express
 * `req.secure`, Fastify `request.protocol === 'https'`); `peer` is the socket's remote address.
 * A request is on loopback when both ends agree: its socket comes from a loopback address and its
 * `Host` names a loopback host, so the browser's origin is a secure context and the cookie never
 * leaves the machine; and no proxy relayed it.
 */
export function cookieTransport(
  secure: boolean,
  headers: IncomingHttpHeaders,
  peer: string | undefined,
): CookieTransport {
  if (secure) return 'https';
  if (RELAY_HEADERS.some((name) => headers[name] !== undefined)) return 'plain';
  return isLoopbackAddress(peer) && isLoopbackHost(headers.host) ? 'loopback' : 'plain';
}

/** Whether `address` is 127.0.0.0/8 or ::1, written as IPv4, IPv6 or IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * Whether a `Host` header names the loopback host: `localhost`, an address of 127.0.0.0/8 or
 * `[::1]`, with any port. Parsed as a URL, so spellings such as `127.1` count as what they mean
 * and `localhost.example.com` does not.
 */
export function isLoopbackHost(host: string | string[] | undefined): boolean {
  // A bare host and port only: no user info, path or anything else a URL parser would accept.
  if (typeof host !== 'string' || !HOST.test(host)) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  return hostname === 'localhost' || hostname === '[::1]' || isLoopbackAddress(hostname);
}
