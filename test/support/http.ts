import { CookieJar } from './cookie-jar.js';

/**
 * The requests e2e specs send and how they read the answers: one client for the apps under
 * test/apps (answers as fetch `Response`s) and for the sample app (answers read into
 * {@link HttpResult}s), with JSON bodies, bearer tokens and a browser's cookie jar.
 */

/** Request headers, by lower-case name. */
export type HeaderMap = Record<string, string>;

/** What one request sends besides its path. */
export interface RequestOptions {
  /** Default: `GET`. */
  readonly method?: string;
  readonly headers?: HeaderMap;
  /** Sent as JSON, with `content-type: application/json` unless `headers` name another type. */
  readonly json?: unknown;
  /** Sent exactly as given: for bodies that are not JSON, not valid JSON, or not UTF-8. */
  readonly body?: string | Uint8Array;
  /**
   * A browser's cookies for this request: sent as the `Cookie` header (unless `headers` carry
   * one) and updated from the answer's `Set-Cookie` headers. Default: the client's jar, if any.
   */
  readonly jar?: CookieJar;
}

/** How a {@link HttpClient} is set up. */
export interface ClientOptions<R> {
  /** Sent with every request (for example `X-Forwarded-Proto` behind a proxy). */
  readonly headers?: HeaderMap;
  /** The cookies every request sends and updates, as one browser would. Default: none. */
  readonly jar?: CookieJar;
  /** Turns each answer into what the client's methods return. Default: the `Response` itself. */
  readonly read?: (response: Response) => Promise<R>;
}

/** `Authorization: Bearer <token>`, with `extra` headers beside it. */
export function bearer(token: string, extra: HeaderMap = {}): HeaderMap {
  return { authorization: `Bearer ${token}`, ...extra };
}

/** The value of `Authorization: Basic` for `user` and `password`. */
export function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

/** The only bodies an auth failure may have. */
export const GENERIC_BODIES = {
  401: { statusCode: 401, message: 'Unauthorized' },
  403: { statusCode: 403, message: 'Forbidden' },
  503: { statusCode: 503, message: 'Service Unavailable' },
} as const;

/** Reads a response body as JSON, or as text when it is not JSON. */
export async function body(response: Response): Promise<unknown> {
  return parse(await response.text());
}

/** A response, read once. */
export interface HttpResult<T = any> {
  status: number;
  /** Parsed JSON, the text when it is not JSON, or `undefined` when the body is empty. */
  body: T;
  headers: Headers;
}

/** Reads the status, body and headers of `response`. */
export async function read(response: Response): Promise<HttpResult> {
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : parse(text),
    headers: response.headers,
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Sends requests to one server. Redirects are not followed, so specs see them as they are.
 * `R` is what each answer becomes: the `Response` itself, or what `options.read` makes of it.
 */
export class HttpClient<R = Response> {
  private readonly readAnswer: (response: Response) => Promise<R>;

  constructor(
    /** The base URL, `http://host:port`. */
    readonly url: string,
    protected readonly options: ClientOptions<R> = {},
  ) {
    this.readAnswer = options.read ?? (async (response) => response as R);
  }

  /** Sends one request to `path`. */
  async send(path: string, options: RequestOptions = {}): Promise<R> {
    const headers: HeaderMap = { ...this.options.headers, ...options.headers };
    let payload = options.body;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = JSON.stringify(options.json);
    }
    const jar = options.jar ?? this.options.jar;
    const cookie = jar?.header();
    if (cookie !== undefined && headers.cookie === undefined) headers.cookie = cookie;
    const response = await fetch(this.url + path, {
      method: options.method ?? 'GET',
      headers,
      body: payload,
      redirect: 'manual',
    });
    jar?.store(response);
    return this.readAnswer(response);
  }

  get(path: string, headers: HeaderMap = {}): Promise<R> {
    return this.send(path, { headers });
  }

  /** A POST with `json` as its body (no body when it is `undefined`). */
  post(path: string, json?: unknown, headers: HeaderMap = {}): Promise<R> {
    return this.send(path, { method: 'POST', json, headers });
  }

  patch(path: string, json?: unknown, headers: HeaderMap = {}): Promise<R> {
    return this.send(path, { method: 'PATCH', json, headers });
  }

  delete(path: string, headers: HeaderMap = {}): Promise<R> {
    return this.send(path, { method: 'DELETE', headers });
  }

  /** The cookies this client keeps, if it keeps any. */
  get jar(): CookieJar | undefined {
    return this.options.jar;
  }

  /** The same server, headers and reading, as a new browser: an empty jar when this has one. */
  fresh(): HttpClient<R> {
    return new HttpClient(this.url, {
      ...this.options,
      jar: this.options.jar && new CookieJar(),
    });
  }
}

/** A client that reads every answer and keeps cookies like one browser: the sample app's specs'. */
export class BrowserClient extends HttpClient<HttpResult> {
  /** `headers` are sent with every request. */
  constructor(url: string, headers: HeaderMap = {}) {
    super(url, { headers, jar: new CookieJar(), read });
  }

  override get jar(): CookieJar {
    return this.options.jar!;
  }

  /** Another browser on the same server: the same headers, an empty jar. */
  override fresh(): BrowserClient {
    return new BrowserClient(this.url, this.options.headers);
  }
}
