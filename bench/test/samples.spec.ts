import { describe, expect, it } from 'vitest';
import { commandDelta, parseCommandStats } from '../src/redis-server.js';
import {
  addedCost,
  addedCostRatio,
  redisPerRequest,
  type AdapterRun,
  type Sample,
} from '../src/samples.js';

/** A run whose routes have the given CPU µs/req per round (index 0 is round 1). */
function run(
  cpu: Record<string, number[]>,
  redis: Record<string, Record<string, number>[]> = {},
): AdapterRun {
  const samples = new Map<string, Sample[]>();
  for (const [id, rounds] of Object.entries(cpu)) {
    samples.set(
      id,
      rounds.map((cpuMicros, i) => ({
        round: i + 1,
        cpuMicros,
        requests: 1000,
        achievedRate: 1000,
        latenciesMs: new Float64Array(),
        failed: 0,
        redisCommands: redis[id]?.[i],
      })),
    );
  }
  return { adapter: 'fastify', routes: [], samples };
}

describe('addedCost', () => {
  it('is the per-round difference to the unguarded route, median and range', () => {
    const r = run({ unguarded: [20, 40, 30], floor: [33, 50, 45] });
    expect(addedCost(r, 'floor')).toEqual({ value: 13, min: 10, max: 15 });
    expect(addedCost(r, 'unguarded')).toEqual({ value: 0, min: 0, max: 0 });
    expect(addedCost(r, 'missing')).toBeUndefined();
  });

  it('pairs rounds, not medians: a slow round moves both routes and cancels out', () => {
    const r = run({ unguarded: [20, 200], floor: [30, 210] });
    expect(addedCost(r, 'floor')?.value).toBe(10);
  });
});

describe('addedCostRatio', () => {
  it('divides what the route adds by what the reference adds, round by round', () => {
    const r = run({
      unguarded: [20, 30, 40],
      floor: [30, 50, 60],
      'gatehouse-jwt': [25, 40, 50],
    });
    // (5/10, 10/20, 10/20)
    const ratio = addedCostRatio(r, 'gatehouse-jwt', 'floor');
    expect(ratio).toEqual({ value: 0.5, min: 0.5, max: 0.5, rounds: 3, of: 3 });
  });

  it('leaves out rounds where the reference added nothing measurable, and counts them', () => {
    const r = run({
      unguarded: [20, 30],
      floor: [19, 40],
      'gatehouse-jwt': [25, 35],
    });
    expect(addedCostRatio(r, 'gatehouse-jwt', 'floor')).toEqual({
      value: 0.5,
      min: 0.5,
      max: 0.5,
      rounds: 1,
      of: 2,
    });
    const never = run({ unguarded: [20], floor: [19], 'gatehouse-jwt': [25] });
    expect(addedCostRatio(never, 'gatehouse-jwt', 'floor')).toBeUndefined();
  });
});

describe('redisPerRequest', () => {
  it('divides each window’s commands by its requests, per command too', () => {
    const r = run(
      { 'gatehouse-jwt-redis': [50, 60] },
      { 'gatehouse-jwt-redis': [{ mget: 1000 }, { mget: 1000, get: 20 }] },
    );
    const counted = redisPerRequest(r, 'gatehouse-jwt-redis');
    expect(counted?.total).toEqual({ value: 1.01, min: 1, max: 1.02 });
    expect(counted?.byCommand).toEqual({ get: 0.01, mget: 1 });
  });

  it('shows 0 for a route that sent nothing, and nothing when Redis was not counted', () => {
    const r = run({ unguarded: [20], floor: [30] }, { unguarded: [{}] });
    expect(redisPerRequest(r, 'unguarded')?.total.value).toBe(0);
    expect(redisPerRequest(r, 'floor')).toBeUndefined();
  });
});

describe('parseCommandStats and commandDelta', () => {
  const before = parseCommandStats(
    '# Commandstats\r\ncmdstat_get:calls=10,usec=20,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n' +
      'cmdstat_info:calls=3,usec=49,usec_per_call=16.33,rejected_calls=0,failed_calls=0\r\n',
  );
  const after = parseCommandStats(
    '# Commandstats\r\ncmdstat_get:calls=30,usec=60\r\ncmdstat_MGET:calls=5,usec=9\r\n' +
      'cmdstat_client|setinfo:calls=2,usec=1\r\ncmdstat_info:calls=5,usec=80\r\n',
  );

  it('reads the calls of every command but INFO, the runner’s own reads', () => {
    expect(before).toEqual({ get: 10 });
    expect(after).toEqual({ get: 30, mget: 5, 'client|setinfo': 2 });
  });

  it('keeps the commands whose count grew, by how much', () => {
    expect(commandDelta(before, after)).toEqual({ get: 20, mget: 5, 'client|setinfo': 2 });
    expect(commandDelta(after, after)).toEqual({});
  });
});
