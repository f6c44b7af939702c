import type { RouteInfo } from './protocol.js';
import { median, percentile } from './stats.js';

export type AdapterName = 'express' | 'fastify';

/** One measurement of one route on one adapter in one round. */
export interface Sample {
  readonly round: number;
  /** Server CPU (user + system, all threads) per request at the fixed rate, µs. */
  readonly cpuMicros: number;
  /** Requests the server received in the fixed-rate window. */
  readonly requests: number;
  /** Requests per second autocannon completed at the fixed rate. */
  readonly achievedRate: number;
  /** 2xx response times at the fixed rate, ms. */
  readonly latenciesMs: Float64Array;
  /** Non-2xx, errors and timeouts in either phase. */
  readonly failed: number;
  /** Unthrottled phase: requests per second, and server CPU per request there. */
  readonly peakRate?: number;
  readonly peakCpuMicros?: number;
  /**
   * Commands the bench's redis-server processed during the fixed-rate window, by command name
   * (lower case, INFO left out); absent when no redis-server ran.
   */
  readonly redisCommands?: Readonly<Record<string, number>>;
}

/** The samples of every route of one adapter. */
export interface AdapterRun {
  readonly adapter: AdapterName;
  readonly routes: readonly RouteInfo[];
  readonly samples: Map<string, Sample[]>;
}

/** What the report shows for one route. */
export interface RouteSummary {
  readonly route: RouteInfo;
  readonly rounds: number;
  readonly cpuMicros: number;
  readonly cpuMin: number;
  readonly cpuMax: number;
  readonly achievedRate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRate: number;
  readonly peakCpuMicros: number;
  readonly failed: number;
}

export function summarize(run: AdapterRun, route: RouteInfo): RouteSummary {
  const samples = run.samples.get(route.id) ?? [];
  const cpu = samples.map((s) => s.cpuMicros);
  const latencies: number[] = [];
  for (const s of samples) for (const l of s.latenciesMs) latencies.push(l);
  return {
    route,
    rounds: samples.length,
    cpuMicros: median(cpu),
    cpuMin: cpu.length ? Math.min(...cpu) : Number.NaN,
    cpuMax: cpu.length ? Math.max(...cpu) : Number.NaN,
    achievedRate: median(samples.map((s) => s.achievedRate)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    peakRate: median(samples.flatMap((s) => (s.peakRate === undefined ? [] : [s.peakRate]))),
    peakCpuMicros: median(
      samples.flatMap((s) => (s.peakCpuMicros === undefined ? [] : [s.peakCpuMicros])),
    ),
    failed: samples.reduce((n, s) => n + s.failed, 0),
  };
}

/** A median with the per-round range it comes from. */
export interface Spread {
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

/** The median and range of per-round values; `undefined` for none. */
export function spread(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  return { value: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** The route every added cost is measured from. */
export const BASELINE = 'unguarded';

/**
 * Capacity of `routeId` relative to `referenceId` (cpu(reference) / cpu(route)), as the median of
 * the per-round ratios: both were measured back to back in each round, so slow drifts of the
 * machine's load cancel out. `undefined` when either is missing.
 */
export function capacityRatio(
  run: AdapterRun,
  routeId: string,
  referenceId: string,
  phase: 'fixed' | 'peak' = 'fixed',
): Spread | undefined {
  return spread(perRound(run, [routeId, referenceId], phase).map(([x, ref]) => ref! / x!));
}

/** The median per-round difference cpu(route) − cpu(reference), µs. */
export function cpuDelta(
  run: AdapterRun,
  routeId: string,
  referenceId: string,
): Spread | undefined {
  return spread(perRound(run, [routeId, referenceId]).map(([x, ref]) => x! - ref!));
}

/**
 * What the route adds to the unguarded route's CPU per request, µs: cpu(route) − cpu(unguarded)
 * in the same round, median and range over rounds. Unlike a capacity ratio it does not drift
 * toward 1 when the HTTP stack's fixed cost per request grows with the machine's load.
 */
export function addedCost(run: AdapterRun, routeId: string): Spread | undefined {
  return cpuDelta(run, routeId, BASELINE);
}

/**
 * The route's added cost over the reference's, (route − unguarded) / (reference − unguarded) per
 * round, median and range. Rounds where the reference added nothing measurable (≤ 0 µs) are left
 * out: a ratio over noise around zero says nothing.
 */
export function addedCostRatio(
  run: AdapterRun,
  routeId: string,
  referenceId: string,
): (Spread & { readonly rounds: number; readonly of: number }) | undefined {
  const rows = perRound(run, [routeId, referenceId, BASELINE]);
  const ratios: number[] = [];
  for (const [x, ref, base] of rows) {
    if (ref! - base! > 0) ratios.push((x! - base!) / (ref! - base!));
  }
  const r = spread(ratios);
  return r && { ...r, rounds: ratios.length, of: rows.length };
}

/**
 * Redis commands per request of the route's fixed-rate windows: the total, and each command's
 * share, medians over rounds. `undefined` when no sample counted Redis commands.
 */
export function redisPerRequest(
  run: AdapterRun,
  routeId: string,
): { total: Spread; byCommand: Record<string, number> } | undefined {
  const counted = (run.samples.get(routeId) ?? []).filter(
    (s) => s.redisCommands !== undefined && s.requests > 0,
  );
  const total = spread(
    counted.map((s) => Object.values(s.redisCommands!).reduce((a, b) => a + b, 0) / s.requests),
  );
  if (!total) return undefined;
  const names = new Set(counted.flatMap((s) => Object.keys(s.redisCommands!)));
  const byCommand: Record<string, number> = {};
  for (const name of [...names].sort()) {
    byCommand[name] = median(counted.map((s) => (s.redisCommands![name] ?? 0) / s.requests));
  }
  return { total, byCommand };
}

/**
 * The CPU per request of each of `ids`, per round in which every one of them has a positive
 * sample, in the order of `ids`.
 */
function perRound(
  run: AdapterRun,
  ids: readonly string[],
  phase: 'fixed' | 'peak' = 'fixed',
): number[][] {
  const cpu = (s: Sample) => (phase === 'fixed' ? s.cpuMicros : s.peakCpuMicros);
  const byRound = ids.map(
    (id) => new Map((run.samples.get(id) ?? []).map((s) => [s.round, cpu(s)] as const)),
  );
  const rows: number[][] = [];
  for (const round of byRound[0]?.keys() ?? []) {
    const row = byRound.map((m) => m.get(round));
    if (row.every((v) => v !== undefined && v > 0)) rows.push(row as number[]);
  }
  return rows;
}
