import { isIP } from 'node:net';

/**
 * What is wrong with `value` as the address of an identity provider's document (discovery, JWKS,
 * introspection), or `undefined` when it is fine: HTTPS, or plain HTTP on a loopback address
 * only (127.0.0.0/8, ::1, `localhost`), where nobody else can read or change the traffic. No
 * credentials in the URL and no fragment.
 */
export function providerUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'is not a URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.username !== '' || url.password !== '') return 'has credentials in it';
  if (url.hash !== '' || value.includes('#')) return 'has a fragment';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopback(url.hostname)
      ? undefined
      : 'is plain HTTP on a host that is not a loopback address';
  }
  return `uses ${url.protocol.replace(/:$/, '')}, not HTTPS`;
}

/** Whether `hostname` (as `URL` spells it: IPv6 in brackets) is a loopback address. */
export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost') return true;
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  // `URL` already turned shorthand such as 127.1 or 0x7f.1 into dotted decimal.
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
