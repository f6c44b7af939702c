import { createClient, type Client } from 'graphql-ws';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { CookieJar } from './cookie-jar.js';
/** An app the clients connect to: only its base URL matters. */
export interface Reachable {
  readonly url: string;
}

/** Credentials of one user, as each backend of the transport apps takes them. */
export interface Credentials {
  /** `Authorization: Bearer …` */
  bearer(): Promise<Record<string, string>>;
  /** `X-API-Key: …`, optionally narrowed to `scopes`; also returns the key's id. */
  apiKey(scopes?: string[]): Promise<{ headers: Record<string, string>; id: string }>;
  /** A logged-in session: its cookie and its CSRF token. */
  session(): Promise<{ cookie: string; csrf: string }>;
}

/** Asks the app's public credential routes (test/apps/transports.app.ts) for `username`'s. */
export function credentialsOf(app: Reachable, username: string): Credentials {
  const post = (path: string, body: object) =>
    fetch(`${app.url}/credentials/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, ...body }),
    });
  return {
    async bearer() {
      const { token } = (await (await post('jwt', {})).json()) as { token: string };
      return { authorization: `Bearer ${token}` };
    },
    async apiKey(scopes) {
      const { key, id } = (await (await post('key', { scopes })).json()) as {
        key: string;
        id: string;
      };
      return { headers: { 'x-api-key': key }, id };
    },
    async session() {
      const response = await post('session', {});
      const jar = new CookieJar();
      jar.store(response);
      const { csrf } = (await response.json()) as { csrf: string };
      return { cookie: jar.header()!, csrf };
    },
  };
}

/** Revokes every token and session of `username` (and the key `keyId`) through the app. */
export async function revokeAll(app: Reachable, username: string, keyId?: string): Promise<void> {
  const response = await fetch(`${app.url}/credentials/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, keyId }),
  });
  if (response.status !== 204) throw new Error(`revoke answered ${response.status}`);
}

/** The `ws://` URL of `path` on `app`. */
export function wsUrl(app: Reachable, path: string): string {
  return `${app.url.replace(/^http/, 'ws')}${path}`;
}

/** A `ws` WebSocket class whose upgrade carries `headers` (browsers send cookies and Origin). */
export function webSocketWith(headers: Record<string, string>): unknown {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

/** What one graphql-ws subscription saw, and how its connection ended. */
export interface SubscriptionRun {
  readonly client: Client;
  /** Each `next` payload, in order. */
  readonly results: unknown[];
  /** Resolves with the close code once the connection closed. */
  readonly closed: Promise<number>;
  /** Resolves once the server acknowledged `connection_init`. */
  readonly connected: Promise<void>;
  /** Resolves with the first result. */
  next(): Promise<unknown>;
}

/**
 * Opens a graphql-ws connection to `/graphql` with `connectionParams` and the upgrade `headers`,
 * and subscribes to `query`.
 */
export function subscribe(
  app: Reachable,
  query: string,
  options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {},
): SubscriptionRun {
  const results: unknown[] = [];
  const waiting: ((value: unknown) => void)[] = [];
  let onClosed!: (code: number) => void;
  let onConnected!: () => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: wsUrl(app, '/graphql'),
    webSocketImpl: webSocketWith(options.headers ?? {}),
    connectionParams: options.connectionParams,
    lazy: false,
    retryAttempts: 0,
    // A refused connection is what most specs expect; its close event is read from `closed`.
    onNonLazyError: () => undefined,
    on: {
      connected: () => onConnected(),
      closed: (event) => onClosed((event as { code: number }).code),
    },
  });
  client.subscribe(
    { query },
    {
      next: (value) => {
        const resolve = waiting.shift();
        if (resolve) resolve(value);
        else results.push(value);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return {
    client,
    results,
    closed,
    connected,
    next: () =>
      results.length > 0
        ? Promise.resolve(results.shift())
        : new Promise<unknown>((resolve) => waiting.push(resolve)),
  };
}

/** One frame a gateway sent: `{ event, data }`. */
export interface GatewayMessage {
  readonly event: string;
  readonly data: unknown;
}

/** A connection to a gateway, the same for the `ws` package and socket.io-client. */
export interface GatewayClient {
  /** Resolves once the connection is open, or with the status that refused it. */
  readonly opened: Promise<
    { open: true } | { open: false; status: number; headers: Record<string, unknown> }
  >;
  /** Resolves when the server ends the connection: the close code, or socket.io's reason. */
  readonly closed: Promise<number | string>;
  send(event: string, data?: unknown): void;
  /** The next frame the gateway sends. */
  next(): Promise<GatewayMessage>;
  close(): void;
}

/** Queues frames for {@link GatewayClient.next}. */
function inbox(): { push(message: GatewayMessage): void; next(): Promise<GatewayMessage> } {
  const queued: GatewayMessage[] = [];
  const waiting: ((message: GatewayMessage) => void)[] = [];
  return {
    push(message) {
      const resolve = waiting.shift();
      if (resolve) resolve(message);
      else queued.push(message);
    },
    next: () =>
      queued.length > 0
        ? Promise.resolve(queued.shift()!)
        : new Promise<GatewayMessage>((resolve) => waiting.push(resolve)),
  };
}

/** Connects to the gateway at `path` with the `ws` package; `headers` go with the upgrade. */
export function connectWs(
  app: Reachable,
  path: string,
  options: { headers?: Record<string, string> } = {},
): GatewayClient {
  const socket = new WebSocket(wsUrl(app, path), { headers: options.headers });
  const messages = inbox();
  socket.on('message', (raw) => messages.push(JSON.parse(String(raw)) as GatewayMessage));
  const opened = new Promise<Awaited<GatewayClient['opened']>>((resolve) => {
    socket.once('open', () => resolve({ open: true }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ open: false, status: response.statusCode ?? 0, headers: response.headers });
      response.resume();
      socket.terminate();
    });
    socket.once('error', () => resolve({ open: false, status: 0, headers: {} }));
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  return {
    opened,
    closed,
    send: (event, data) => socket.send(JSON.stringify({ event, data })),
    next: () => messages.next(),
    close: () => socket.close(),
  };
}

/**
 * Connects to the socket.io gateway served at `path` over a WebSocket; `headers` go with the
 * handshake and `auth` is socket.io's own authentication payload.
 */
export function connectIo(
  app: Reachable,
  path: string,
  options: { headers?: Record<string, string>; auth?: Record<string, string> } = {},
): GatewayClient {
  const socket = io(app.url, {
    path,
    transports: ['websocket'],
    extraHeaders: options.headers,
    auth: options.auth,
    reconnection: false,
    forceNew: true,
  });
  const messages = inbox();
  socket.onAny((event: string, data: unknown) => messages.push({ event, data }));
  const opened = new Promise<Awaited<GatewayClient['opened']>>((resolve) => {
    socket.once('connect', () => resolve({ open: true }));
    socket.once('connect_error', (error: Error & { data?: { status?: number } }) =>
      resolve({ open: false, status: error.data?.status ?? 0, headers: {} }),
    );
  });
  const closed = new Promise<string>((resolve) =>
    socket.once('disconnect', (reason: string) => resolve(reason)),
  );
  return {
    opened,
    closed,
    send: (event, data) => socket.emit(event, data),
    next: () => messages.next(),
    close: () => socket.close(),
  };
}
