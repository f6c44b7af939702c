/**
 * A tiny cookie jar for e2e specs: reads `Set-Cookie` from fetch responses and writes the
 * `Cookie` header, as a browser would (without domain and path matching, which the specs do
 * not need).
 */
export interface SetCookie {
  name: string;
  value: string;
  /** Lower-cased attribute names, with their values (`''` for flags such as HttpOnly). */
  attributes: Map<string, string>;
}

/** Parses every `Set-Cookie` header of `response`, in order. */
export function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map((line) => {
    const [pair, ...rest] = line.split(';');
    const eq = pair!.indexOf('=');
    const attributes = new Map<string, string>();
    for (const part of rest) {
      const i = part.indexOf('=');
      const key = (i === -1 ? part : part.slice(0, i)).trim().toLowerCase();
      attributes.set(key, i === -1 ? '' : part.slice(i + 1).trim());
    }
    return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attributes };
  });
}

/** Whether a `Set-Cookie` deletes the cookie (expired or `Max-Age=0`). */
export function isDeletion(cookie: SetCookie): boolean {
  const maxAge = cookie.attributes.get('max-age');
  const expires = cookie.attributes.get('expires');
  return (
    (maxAge !== undefined && Number(maxAge) <= 0) ||
    (expires !== undefined && Date.parse(expires) <= Date.now())
  );
}

/** One browser's cookies. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies the response's `Set-Cookie` headers, in order; returns them. */
  store(response: Response): SetCookie[] {
    const all = setCookies(response);
    for (const cookie of all) {
      if (isDeletion(cookie)) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return all;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  /** How many cookies the jar holds. */
  get size(): number {
    return this.cookies.size;
  }

  /**
   * The `Cookie` header value, or `undefined` when the jar is empty. With `only`, just those
   * cookies go in (a browser would leave the others out by their path, or a spec on purpose).
   */
  header(only?: readonly string[]): string | undefined {
    const sent = [...this.cookies].filter(([name]) => only === undefined || only.includes(name));
    if (sent.length === 0) return undefined;
    return sent.map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
