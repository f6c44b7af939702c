/**
 * What `bench:scale` leaves in bench/results/scale.json, the checks it implies and how RESULTS.md
 * shows them. Pure: no I/O, so the checks are unit-tested (test/bench-scale-report.spec.ts).
 */
import { fmt, ratio } from './stats.js';

/** A cost ratio: the median of per-round ratios, and their range. */
export interface RoundRatio {
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

/** JWT requests cycling through `tokens` distinct live tokens. */
export interface JwtScaleRow {
  readonly tokens: number;
  /** How many of them were sent (each once) before the memory was read. */
  readonly passed: number;
  /** CPU µs per request, default settings (verified-token cache on). */
  readonly cachedMicros: number;
  /** CPU µs per request with `verifiedTokenCacheSize: 0`. */
  readonly uncachedMicros: number;
  /** Cached cost / uncached cost, per round. */
  readonly vsUncached: RoundRatio;
  /** Heap and RSS after a full GC, above the start, after `passed` distinct tokens. */
  readonly cachedHeapMiB: number;
  readonly cachedRssMiB: number;
  readonly uncachedHeapMiB: number;
  readonly uncachedRssMiB: number;
}

/** A JWT request (cached, not revoked) against a revocation store holding `entries`. */
export interface RevocationScaleRow {
  readonly store: 'memory' | 'redis';
  readonly entries: number;
  /** How the store was configured, when not at its defaults. */
  readonly settings?: string;
  readonly fillSeconds: number;
  /** CPU µs per revocation written, over the last tenth of the fill (in memory only). */
  readonly writeMicros?: number;
  /** CPU µs per request of this process. */
  readonly micros: number;
  /** CPU µs per request of redis-server (from `INFO cpu`), Redis only. */
  readonly serverMicros?: number;
  /** This store's cost / the empty store's, per round. */
  readonly vsEmpty: RoundRatio;
  /** Heap (in memory) or Redis `used_memory` growth per entry, bytes. */
  readonly bytesPerEntry: number;
  /** RSS growth per entry, bytes (in memory only). */
  readonly rssBytesPerEntry?: number;
}

/** What the in-memory store did when filled past its default cap. */
export interface RevocationCap {
  readonly maxRevocations: number;
  /** How many entries it took before the first refusal. */
  readonly accepted: number;
  /** The refusal: error name, code and message. */
  readonly refusal: string;
  /** How long the refused write took, ms (a store with something expired sweeps first). */
  readonly refusedWriteMs: number;
}

/** The session check on a store holding `sessions` live sessions. */
export interface SessionScaleRow {
  readonly sessions: number;
  readonly fillSeconds: number;
  readonly micros: number;
  /** This size's cost / the smallest size's, per round. */
  readonly vsSmallest: RoundRatio;
  readonly bytesPerSession: number;
  readonly rssBytesPerSession: number;
}

/** bench/results/scale.json. */
export interface ScaleResult {
  readonly date: string;
  readonly seconds: number;
  /** CPU time of the script's process: its run time on an otherwise idle machine, about. */
  readonly cpuSeconds: number;
  readonly rounds: number;
  readonly secondsPerRound: number;
  /** The machine's load average at the start and the end of the run. */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly jwt?: {
    readonly cacheSize: number;
    readonly signSeconds: number;
    readonly rows: readonly JwtScaleRow[];
  };
  readonly revocation?: {
    readonly rows: readonly RevocationScaleRow[];
    readonly cap?: RevocationCap;
    /** Why the Redis rows are missing, when they are. */
    readonly redisSkipped?: string;
  };
  readonly sessions?: { readonly rows: readonly SessionScaleRow[] };
}

/**
 * How far above the uncached cost a cache that misses may go and still count as "never above":
 * a miss pays a map insert and an eviction on top of the full verification, and the per-round
 * ratios of two equal costs spread about this much on a shared 2-core machine.
 */
export const THRASH_TOLERANCE = 1.05;
/** "Within 10%" of the reference: the revocation and session targets. */
export const FLAT_TOLERANCE = 1.1;

export interface ScaleCheck {
  readonly measure: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

/** The targets of issue 14's "costs that stay flat" part, one row per size. */
export function scaleChecks(result: ScaleResult): ScaleCheck[] {
  const checks: ScaleCheck[] = [];
  const cacheSize = result.jwt?.cacheSize ?? 0;
  for (const row of result.jwt?.rows ?? []) {
    if (row.tokens <= cacheSize) continue;
    checks.push({
      measure: `JWT, ${count(row.tokens)} distinct tokens (past the cache): cost × uncached`,
      target: `≤ ${ratio(THRASH_TOLERANCE)} (never above uncached, 5% noise allowed)`,
      value: spread(row.vsUncached),
      met: row.vsUncached.value <= THRASH_TOLERANCE,
    });
  }
  for (const row of result.revocation?.rows ?? []) {
    if (row.entries === 0) continue;
    checks.push({
      measure: `revocation, ${storeName(row.store)} holding ${count(row.entries)}: cost × empty`,
      target: `≤ ${ratio(FLAT_TOLERANCE)}`,
      value: spread(row.vsEmpty),
      met: row.vsEmpty.value <= FLAT_TOLERANCE,
    });
  }
  const sessions = result.sessions?.rows ?? [];
  for (const row of sessions.slice(1)) {
    checks.push({
      measure: `sessions, ${count(row.sessions)} in memory: cost × ${count(sessions[0]!.sessions)}`,
      target: `≤ ${ratio(FLAT_TOLERANCE)}`,
      value: spread(row.vsSmallest),
      met: row.vsSmallest.value <= FLAT_TOLERANCE,
    });
  }
  return checks;
}

/**
 * The "Costs as the work grows" section of RESULTS.md, or nothing without a result.
 * `started` flags a result older than this run (its script was skipped).
 */
export function renderScaleSection(result: ScaleResult | undefined, started: Date): string[] {
  if (!result) return [];
  const stale = Date.parse(result.date) < started.getTime() ? ', **from an earlier run**' : '';
  const out: string[] = ['## Costs as the work grows', ''];
  out.push(
    `From \`node bench/run.mjs scale\` (${result.date}${stale}, ${fmt(result.seconds, 0)} s, ${fmt(result.cpuSeconds, 0)} s of CPU; load average ` +
      `${loads(result.loadBefore)} before, ${loads(result.loadAfter)} after): the real guard in-process, ` +
      `CPU time per request (all threads), cases alternating in batches, median of ${result.rounds} rounds ` +
      `of ${fmt(result.secondsPerRound, 2)} s per case; ratios are medians of per-round ratios [range]. ` +
      'Memory after a full GC.',
    '',
  );

  const checks = scaleChecks(result);
  if (checks.length > 0) {
    out.push('| measure | target | value | status |', '|---|---|---|---|');
    for (const c of checks) {
      out.push(`| ${c.measure} | ${c.target} | ${c.value} | ${c.met ? 'met' : '**MISSED**'} |`);
    }
    out.push('');
  }

  if (result.jwt) {
    const { cacheSize, rows, signSeconds } = result.jwt;
    out.push(
      ...table(
        'JWT with many distinct live tokens',
        `Default settings (verified-token cache of ${count(cacheSize)} entries, first in first out) ` +
          'against `verifiedTokenCacheSize: 0`, each request with the next token of the pool, round ' +
          'robin: up to the cache size every request hits, past it every one misses (the worst case ' +
          'for the cache). Memory: above the start (the pool itself excluded), after sending the ' +
          'first *passed* tokens of the pool once each; the million-token memory check is ' +
          `\`bench:memory\`'s. Signing the largest pool took ${fmt(signSeconds, 1)} s.`,
        [
          'tokens',
          'cached µs/req',
          'uncached µs/req',
          'cached × uncached',
          'passed',
          'cached heap / RSS MiB',
          'uncached heap / RSS MiB',
        ],
      ),
    );
    for (const r of rows) {
      out.push(
        `| ${count(r.tokens)} | ${fmt(r.cachedMicros, 2)} | ${fmt(r.uncachedMicros, 2)} | ${spread(r.vsUncached)} | ${count(r.passed)} | ` +
          `${fmt(r.cachedHeapMiB)} / ${fmt(r.cachedRssMiB)} | ${fmt(r.uncachedHeapMiB)} / ${fmt(r.uncachedRssMiB)} |`,
      );
    }
    out.push('');
  }

  if (result.revocation) {
    const { rows, cap, redisSkipped } = result.revocation;
    out.push(
      ...table(
        'Revocation stores',
        'Filled through the store’s own methods, as use fills it: 90% revoked token ids, 9% refresh ' +
          'families, 1% users’ cut-offs (“log out everywhere”), owners spread over 20,000 users; then JWT requests with cached, ' +
          'not revoked tokens, which still look up the store on every request. Redis: a ' +
          'redis-server started by the script, one database per size; its own CPU per request ' +
          'from `INFO cpu`, memory from `INFO memory` `used_memory`.',
        [
          'store',
          'entries',
          'settings',
          'fill s',
          'write µs (last tenth)',
          'µs/req',
          'redis-server µs/req',
          '× empty',
          'bytes/entry (heap or used_memory)',
          'RSS bytes/entry',
        ],
      ),
    );
    for (const r of rows) {
      out.push(
        `| ${storeName(r.store)} | ${count(r.entries)} | ${r.settings ?? 'default'} | ${fmt(r.fillSeconds, 1)} | ` +
          `${fmt(r.writeMicros, 1)} | ${fmt(r.micros, 2)} | ${fmt(r.serverMicros, 2)} | ${r.entries === 0 ? '–' : spread(r.vsEmpty)} | ` +
          `${r.entries === 0 ? '–' : fmt(r.bytesPerEntry, 0)} | ${r.entries === 0 ? '–' : fmt(r.rssBytesPerEntry, 0)} |`,
      );
    }
    out.push('');
    if (cap) {
      out.push(
        `The in-memory store at its defaults holds at most ${count(cap.maxRevocations)} live revocations: ` +
          `it took ${count(cap.accepted)} and refused the next with ${cap.refusal} (a 503 to the ` +
          `caller) after ${fmt(cap.refusedWriteMs, 1)} ms, rather than forget a live entry, which would ` +
          'revive a revoked token. Larger sizes are measured with `maxRevocations` raised to them.',
        '',
      );
    }
    if (redisSkipped) out.push(`Redis rows left out: ${redisSkipped}.`, '');
  }

  if (result.sessions) {
    out.push(
      ...table(
        'Sessions in the memory store',
        'Sessions made by `SessionService.login`; each request carries a signed cookie of one of ' +
          '1,000 of them (spread over the store) and takes the library’s own session read ' +
          '(`DetachedSessions`: cookie, HMAC-SHA-256 signature, `SessionStore.get`, JSON) and then ' +
          '`SessionBackend`’s checks through the guard. The HTTP middleware does the same read ' +
          'plus its own session object, a cost that does not grow with the store.',
        ['sessions', 'fill s', 'µs/req', '× smallest', 'bytes/session (heap)', 'RSS bytes/session'],
      ),
    );
    result.sessions.rows.forEach((r, i) => {
      out.push(
        `| ${count(r.sessions)} | ${fmt(r.fillSeconds, 1)} | ${fmt(r.micros, 2)} | ${i === 0 ? '–' : spread(r.vsSmallest)} | ` +
          `${fmt(r.bytesPerSession, 0)} | ${fmt(r.rssBytesPerSession, 0)} |`,
      );
    });
    out.push('');
  }
  return out;
}

/** A subsection's heading, its explanation and the head of its table. */
function table(title: string, intro: string, columns: readonly string[]): string[] {
  return [
    `### ${title}`,
    '',
    intro,
    '',
    `| ${columns.join(' | ')} |`,
    `|${'---|'.repeat(columns.length)}`,
  ];
}

function spread(r: RoundRatio): string {
  return `${ratio(r.value)} [${ratio(r.min)}–${ratio(r.max)}]`;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

function storeName(store: 'memory' | 'redis'): string {
  return store === 'memory' ? 'in memory' : 'Redis';
}

function loads(values: readonly number[]): string {
  return values.map((l) => fmt(l, 2)).join(' / ');
}
