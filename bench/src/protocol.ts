/** Messages between the runner and a server process (Node IPC over `child_process.fork`). */

/** Which family a route belongs to; the report groups and compares by it. */
export type RouteGroup = 'baseline' | 'floor' | 'recipe' | 'library';

/** What the runner knows about one served route. */
export interface RouteInfo {
  /** Stable id, used in the report and by `BENCH_ROUTES`. */
  readonly id: string;
  /** The loopback port and URL path the route answers on. */
  readonly port: number;
  readonly path: string;
  /** Human description for the report. */
  readonly label: string;
  readonly group: RouteGroup;
  /** The status a request without credentials gets (200 unguarded, else 401). */
  readonly anonymousStatus: number;
  /** A GraphQL route: every request is a `POST` of this operation. */
  readonly graphql?: GraphQLRoute;
}

/** What a GraphQL route sends, and what its answers must be (GraphQL refuses with a 200). */
export interface GraphQLRoute {
  /** The JSON body of every request (`application/json`). */
  readonly body: string;
  /** The exact body of a success; any other answer counts as failed. */
  readonly success: string;
  /** The `extensions.code` of the answer without credentials; `null`: it succeeds too. */
  readonly anonymousCode: string | null;
}

/** A server's counters at one instant. */
export interface ServerSnapshot {
  /** `process.cpuUsage()` of the whole server process (all threads), µs. */
  readonly userMicros: number;
  readonly systemMicros: number;
  /** Requests the HTTP server has received since it started. */
  readonly requests: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export type ToServer =
  | { readonly type: 'snapshot'; readonly id: number }
  | {
      readonly type: 'credentials';
      readonly id: number;
      readonly route: string;
      readonly count: number;
    }
  | { readonly type: 'stop' };

export type FromServer =
  | { readonly type: 'ready'; readonly routes: readonly RouteInfo[] }
  | { readonly type: 'snapshot'; readonly id: number; readonly snapshot: ServerSnapshot }
  | {
      readonly type: 'credentials';
      readonly id: number;
      readonly headers: readonly Record<string, string>[];
    }
  | { readonly type: 'error'; readonly id?: number; readonly message: string };
