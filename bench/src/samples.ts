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
): { value: number; min: number; max: number } | undefined {
  const ratios = paired(run, routeId, referenceId, phase).map(([x, ref]) => ref / x);
  if (ratios.length === 0) return undefined;
  return { value: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** The median per-round difference cpu(route) − cpu(reference), µs. */
export function cpuDelta(
  run: AdapterRun,
  routeId: string,
  referenceId: string,
): { value: number; min: number; max: number } | undefined {
  const deltas = paired(run, routeId, referenceId).map(([x, ref]) => x - ref);
  if (deltas.length === 0) return undefined;
  return { value: median(deltas), min: Math.min(...deltas), max: Math.max(...deltas) };
}

function paired(
  run: AdapterRun,
  a: string,
  b: string,
  phase: 'fixed' | 'peak' = 'fixed',
): [number, number][] {
  const cpu = (s: Sample) => (phase === 'fixed' ? s.cpuMicros : s.peakCpuMicros);
  const left = run.samples.get(a) ?? [];
  const right = new Map((run.samples.get(b) ?? []).map((s) => [s.round, cpu(s)]));
  const pairs: [number, number][] = [];
  for (const s of left) {
    const mine = cpu(s);
    const other = right.get(s.round);
    if (mine !== undefined && other !== undefined && mine > 0 && other > 0) {
      pairs.push([mine, other]);
    }
  }
  return pairs;
}
