import { describe, expect, it } from 'vitest';
import {
  renderScaleSection,
  scaleChecks,
  type JwtScaleRow,
  type RevocationScaleRow,
  type ScaleResult,
} from '../bench/src/scale-report.js';

const flat = (value: number) => ({ value, min: value - 0.02, max: value + 0.02 });

function jwtRow(tokens: number, vsUncached: number): JwtScaleRow {
  return {
    tokens,
    passed: Math.min(tokens, 200_000),
    cachedMicros: 10 * vsUncached,
    uncachedMicros: 10,
    vsUncached: flat(vsUncached),
    cachedHeapMiB: 1,
    cachedRssMiB: 2,
    uncachedHeapMiB: 0.1,
    uncachedRssMiB: 0.2,
  };
}

function revocationRow(
  store: 'memory' | 'redis',
  entries: number,
  vsEmpty: number,
): RevocationScaleRow {
  return {
    store,
    entries,
    fillSeconds: 1,
    micros: 5 * vsEmpty,
    vsEmpty: flat(vsEmpty),
    bytesPerEntry: entries === 0 ? 0 : 120,
  };
}

const result: ScaleResult = {
  date: '2026-12-01T12:00:00.000Z',
  seconds: 200,
  cpuSeconds: 150,
  rounds: 5,
  secondsPerRound: 0.3,
  loadBefore: [1, 1, 1],
  loadAfter: [2, 2, 2],
  jwt: {
    cacheSize: 10_000,
    signSeconds: 12,
    rows: [jwtRow(1000, 0.2), jwtRow(10_000, 0.25), jwtRow(100_000, 1.02), jwtRow(1e6, 1.3)],
  },
  revocation: {
    rows: [
      revocationRow('memory', 0, 1),
      revocationRow('memory', 100_000, 1.04),
      revocationRow('redis', 0, 1),
      revocationRow('redis', 1e6, 1.25),
    ],
    cap: {
      maxRevocations: 100_000,
      accepted: 100_000,
      refusal: 'AuthUnavailableError REVOCATION_STORE_UNAVAILABLE',
      refusedWriteMs: 3,
    },
  },
  sessions: {
    rows: [
      {
        sessions: 1000,
        fillSeconds: 0.1,
        micros: 20,
        vsSmallest: flat(1),
        bytesPerSession: 900,
        rssBytesPerSession: 1000,
      },
      {
        sessions: 100_000,
        fillSeconds: 5,
        micros: 21,
        vsSmallest: flat(1.05),
        bytesPerSession: 800,
        rssBytesPerSession: 950,
      },
    ],
  },
};

describe('bench:scale checks', () => {
  it('judges the thrash penalty only past the cache, with the 5% allowance', () => {
    const jwt = scaleChecks(result).filter((c) => c.measure.startsWith('JWT'));
    expect(jwt.map((c) => [c.measure, c.met])).toEqual([
      ['JWT, 100,000 distinct tokens (past the cache): cost × uncached', true],
      ['JWT, 1,000,000 distinct tokens (past the cache): cost × uncached', false],
    ]);
    expect(jwt[1]!.value).toBe('1.30× [1.28×–1.32×]');
  });

  it('holds every filled revocation store and every larger session store to 10%', () => {
    const rest = scaleChecks(result).filter((c) => !c.measure.startsWith('JWT'));
    expect(rest.map((c) => [c.measure, c.target, c.met])).toEqual([
      ['revocation, in memory holding 100,000: cost × empty', '≤ 1.10×', true],
      ['revocation, Redis holding 1,000,000: cost × empty', '≤ 1.10×', false],
      ['sessions, 100,000 in memory: cost × 1,000', '≤ 1.10×', true],
    ]);
  });

  it('has nothing to judge without measurements', () => {
    const empty: ScaleResult = {
      ...result,
      jwt: undefined,
      revocation: undefined,
      sessions: undefined,
    };
    expect(scaleChecks(empty)).toEqual([]);
  });
});

describe('bench:scale section', () => {
  it('renders nothing without a result', () => {
    expect(renderScaleSection(undefined, new Date())).toEqual([]);
  });

  it('renders the checks with their status, and a table per measurement', () => {
    const text = renderScaleSection(result, new Date('2026-12-01T11:00:00.000Z')).join('\n');
    expect(text).toContain('## Costs as the work grows');
    expect(text).not.toContain('from an earlier run');
    expect(text).toContain(
      '| JWT, 1,000,000 distinct tokens (past the cache): cost × uncached | ≤ 1.05× (never above uncached, 5% noise allowed) | 1.30× [1.28×–1.32×] | **MISSED** |',
    );
    expect(text).toContain(
      '| revocation, in memory holding 100,000: cost × empty | ≤ 1.10× | 1.04× [1.02×–1.06×] | met |',
    );
    expect(text).toContain('| 1,000,000 | 13.00 | 10.00 | 1.30× [1.28×–1.32×] | 200,000 |');
    expect(text).toContain(
      '| Redis | 1,000,000 | default | 1.0 | – | 6.25 | – | 1.25× [1.23×–1.27×] | 120 |',
    );
    expect(text).toContain('took 100,000 and refused the next with AuthUnavailableError');
    expect(text).toContain('| 100,000 | 5.0 | 21.00 | 1.05× [1.03×–1.07×] | 800 | 950 |');
  });

  it('flags a result older than the run', () => {
    const text = renderScaleSection(result, new Date('2026-12-02T00:00:00.000Z')).join('\n');
    expect(text).toContain('**from an earlier run**');
  });
});
