import autocannon from 'autocannon';
import type { GraphQLRoute } from './protocol.js';

/** One autocannon run against one route. */
export interface LoadOptions {
  readonly url: string;
  readonly path: string;
  /** Header sets cycled through, one per request, shared by all connections. */
  readonly credentials: readonly Record<string, string>[];
  readonly connections: number;
  /** Seconds; ignored when `amount` is set. */
  readonly duration?: number;
  /** Stop after this many requests instead. */
  readonly amount?: number;
  /** Requests per second over all connections; unthrottled when absent. */
  readonly rate?: number;
  /** A GraphQL route: `POST` its body, and count every answer but its success as failed. */
  readonly graphql?: GraphQLRoute;
}

export interface LoadResult {
  /** Responses received, any status. */
  readonly completed: number;
  readonly ok: number;
  /** Non-2xx responses, other bodies than a GraphQL route's success, errors and timeouts. */
  readonly failed: number;
  readonly seconds: number;
  /** Response times of 2xx responses in ms (autocannon's own histogram rounds to whole ms). */
  readonly latenciesMs: Float64Array;
}

/**
 * Runs autocannon against `path`. Latencies are taken from the per-response events with
 * sub-millisecond precision, because autocannon's histogram only resolves whole milliseconds.
 */
export function load(options: LoadOptions): Promise<LoadResult> {
  const credentials = options.credentials;
  const graphql = options.graphql;
  let mismatched = 0;
  let next = 0;
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount === undefined
          ? { duration: options.duration ?? 1 }
          : { amount: options.amount }),
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
        timeout: 10,
        requests: [
          {
            ...(graphql === undefined
              ? { method: 'GET' as const }
              : {
                  method: 'POST' as const,
                  body: graphql.body,
                  headers: { 'content-type': 'application/json' },
                  // A GraphQL refusal is a 200 too: only the success's exact body counts as one.
                  onResponse: (status: number, body: string) => {
                    if (status >= 200 && status < 300 && body !== graphql.success) mismatched++;
                  },
                }),
            path: options.path,
            // One counter for all connections, so a pool of N credentials really is N distinct
            // credentials in flight rather than N per connection in lockstep.
            setupRequest: (request) => {
              const headers = credentials[next++ % credentials.length];
              return headers
                ? { ...request, headers: { ...request.headers, ...headers } }
                : request;
            },
          },
        ],
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        resolve({
          completed: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
          ok: result['2xx'] - mismatched,
          failed: result.non2xx + mismatched + result.errors + result.timeouts,
          seconds: result.duration,
          latenciesMs: Float64Array.from(latencies),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
