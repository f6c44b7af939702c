/** The knobs of the HTTP benchmark, read from the environment (see bench/README.md). */
export interface BenchConfig {
  /** Adapters to serve, in order. `BENCH_ADAPTERS=fastify,express`. */
  readonly adapters: readonly ('express' | 'fastify')[];
  /** Only the routes whose id contains one of these (plus the baselines). `BENCH_ROUTES=jwt,floor`. */
  readonly routeFilter: readonly string[];
  /** Measured rounds; every round measures every route once. `BENCH_ROUNDS`. */
  readonly rounds: number;
  /** The fixed request rate of the CPU-per-request phase, requests/second. `BENCH_RATE`. */
  readonly rate: number;
  /** Seconds of the fixed-rate phase of one sample. `BENCH_DURATION`. */
  readonly duration: number;
  /** Seconds of the unthrottled phase (peak throughput); 0 skips it. `BENCH_PEAK`. */
  readonly peak: number;
  /** Seconds of unthrottled load per route before the first round (JIT warm-up). `BENCH_WARMUP`. */
  readonly warmup: number;
  /** Requests sent right before each sample, so the route's code is hot again. `BENCH_PREWARM`. */
  readonly prewarm: number;
  /** Concurrent connections of the load generator. `BENCH_CONNECTIONS`. */
  readonly connections: number;
  /** Distinct credentials per route, cycled through by the requests. `BENCH_TOKENS`. */
  readonly tokens: number;
  /** Hard cap on the whole run in seconds; the runner aborts past it. `BENCH_MAX_SECONDS`. */
  readonly maxSeconds: number;
  /** Where the report goes. `BENCH_OUT`. Default: bench/RESULTS.md. */
  readonly out: string | undefined;
}

function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`${name}=${raw} is not a number >= ${min}`);
  }
  return value;
}

function list(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads the knobs; defaults keep a full run to a few minutes on a 2-core machine. */
export function readConfig(): BenchConfig {
  const adapters = list('BENCH_ADAPTERS');
  for (const a of adapters) {
    if (a !== 'express' && a !== 'fastify') throw new Error(`BENCH_ADAPTERS: unknown "${a}"`);
  }
  return {
    adapters: (adapters.length ? adapters : ['fastify', 'express']) as BenchConfig['adapters'],
    routeFilter: list('BENCH_ROUTES'),
    rounds: int('BENCH_ROUNDS', 4, 1),
    rate: int('BENCH_RATE', 1000, 10),
    duration: int('BENCH_DURATION', 2, 1),
    peak: int('BENCH_PEAK', 1, 0),
    warmup: int('BENCH_WARMUP', 2, 0),
    prewarm: int('BENCH_PREWARM', 3000, 0),
    connections: int('BENCH_CONNECTIONS', 8, 1),
    tokens: int('BENCH_TOKENS', 1000, 1),
    maxSeconds: int('BENCH_MAX_SECONDS', 1200, 10),
    out: process.env.BENCH_OUT || undefined,
  };
}
