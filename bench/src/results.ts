/** The JSON the side scripts leave in bench/results/ for the report. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_DIR = join(process.cwd(), 'bench', 'results');

/** Token sign/verify throughput, one process. */
export interface TokensResult {
  readonly date: string;
  readonly secondsPerCase: number;
  readonly rows: readonly {
    readonly library: string;
    readonly variant: string;
    readonly signOps: number | null;
    readonly verifyOps: number | null;
  }[];
}

/** Resident memory across many requests with distinct valid tokens. */
export interface MemoryResult {
  readonly date: string;
  readonly target: string;
  readonly how: string;
  readonly requests: number;
  readonly startRssMiB: number;
  readonly peakRssMiB: number;
  readonly endRssMiB: number;
  readonly growthMiB: number;
  readonly heapStartMiB: number;
  readonly heapEndMiB: number;
  readonly seconds: number;
  readonly failures: number;
}

/** The guard's own cost measured in-process, without HTTP. */
export interface GuardResult {
  readonly date: string;
  readonly rows: readonly { readonly name: string; readonly nsPerCall: number }[];
  /**
   * The fair JWT recipe's ns per call over the library's with the cache off: median of per-round
   * ratios, and their range (a capacity ratio, as the HTTP target's).
   */
  readonly uncachedVsRecipe?: {
    readonly value: number;
    readonly min: number;
    readonly max: number;
  };
}

/** The guard on GraphQL and WebSocket, in-process. */
export interface TransportsResult {
  readonly date: string;
  readonly graphql: {
    readonly openNsPerOperation: number;
    readonly guardedNsPerOperation: number;
    /** The same behind a guard that returns `true`: what Nest's guard pipeline costs alone. */
    readonly passedNsPerOperation: number;
    /** Capacity of the guarded query over the open one: open ns / guarded ns, median of rounds. */
    readonly ratio: number;
    readonly ratioMin: number;
    readonly ratioMax: number;
  };
  /** What the check of one message on an open WebSocket costs, ns. */
  readonly wsMessageNs: number;
}

export function writeResult(name: string, value: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

export function readResult<T>(name: string): T | undefined {
  try {
    return JSON.parse(readFileSync(join(RESULTS_DIR, `${name}.json`), 'utf8')) as T;
  } catch {
    return undefined;
  }
}
