/** Small helpers that work on both Express and Fastify response objects. */

interface HeaderWritable {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Sets a response header on an Express `Response` or a Fastify `FastifyReply`. */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  const res = response as HeaderWritable | undefined;
  if (!res) return;
  if (typeof res.header === 'function') res.header(name, value);
  else if (typeof res.setHeader === 'function') res.setHeader(name, value);
}

/** The path of a request URL, without its query string (which may carry credentials). */
export function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The single value of a header; `undefined` when it is absent or sent more than once. */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1) return value[0];
  return undefined;
}

/** The methods RFC 9110 §9.2.1 defines as safe; every other method may change state. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Whether a request with `method` needs CSRF protection when a cookie authenticates it: every
 * method but the safe ones, so PROPPATCH, LOCK, SEARCH or an `@All()` handler are covered too.
 */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}
