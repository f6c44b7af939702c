/**
 * Costs as the work grows (issue 14): the real guard in-process, with stores and caches at
 * several sizes, CPU time per request and memory after a full GC.
 *
 * - JWT with many distinct live tokens: pools of SCALE_SIZES tokens cycled through, default
 *   settings against `verifiedTokenCacheSize: 0`. Past the cache's size the cost must reach the
 *   uncached cost without going above it.
 * - Revocation stores (in memory and in Redis) holding 0 and SCALE_REVOCATIONS entries: a cached,
 *   not revoked token still looks the store up on every request; within 10% of the empty store.
 * - Sessions in the memory store (SCALE_SESSIONS): the session check on one of them, flat.
 *
 * Every comparison runs its cases side by side in one process (one application each), in
 * alternating batches, so a change in the machine's load hits them alike; round 0 is warm-up.
 *
 *   node bench/run.mjs scale     (about 4 minutes on 2 cores; see bench/README.md for the knobs)
 */
import 'reflect-metadata';
import { createHmac, randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Provider, Type } from '@nestjs/common';
import {
  IN_MEMORY_REVOCATION_OPTIONS,
  RevocationStore,
  SessionBackend,
  SessionService,
  SessionStore,
  TokenService,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { RedisRevocationStore } from 'nestjs-gatehouse/redis';
import { Redis } from 'ioredis';
import { BENCH_SECRET, userId } from './app/bench-keys.js';
import { GatehouseRedisController, GatehouseSessionController } from './app/controllers.js';
import { ScaleAppModule } from './app/scale.module.js';
import { createGuardHarness, request, type GuardHarness } from './in-process.js';
import { startRedis } from './redis-server.js';
import { writeResult } from './results.js';
import type {
  JwtScaleRow,
  RevocationCap,
  RevocationScaleRow,
  RoundRatio,
  ScaleResult,
  SessionScaleRow,
} from './scale-report.js';
import { fmt, max, median, min } from './stats.js';

const sizes = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);

const JWT_SIZES = sizes('SCALE_SIZES', '1000,10000,100000,1000000');
const REVOCATION_SIZES = sizes('SCALE_REVOCATIONS', '100000,1000000');
const SESSION_SIZES = sizes('SCALE_SESSIONS', '1000,100000');
/**
 * Distinct tokens sent before the memory is read, at most: 20 times the cache is enough to see
 * anything kept per token, and a pass through a million would take minutes (the million-token
 * memory check is bench:memory's).
 */
const PASS = Number(process.env.SCALE_PASS ?? 200_000);
/**
 * Per case and round, and rounds. The targets sit within a few per cent of 1, so each ratio needs
 * enough rounds for its median to settle: at 5 rounds of 0.3 s the in-memory revocation ratio
 * at 100k entries read 1.20× in one run and 1.035× in a longer one right after, on the same code.
 * With its 16 cases and the warm-up round, 9 rounds of 0.5 s measure for 80 s (5 of 0.3 s: 29 s).
 */
const SECONDS = Number(process.env.SCALE_SECONDS ?? 0.5);
const ROUNDS = Number(process.env.SCALE_ROUNDS ?? 9);
const PARTS = new Set((process.env.SCALE_PARTS ?? 'jwt,revocation,sessions').split(','));
/** Calls per batch: short enough that alternating cases share the machine's moods. */
const BATCH = 100;
/** The tokens (or sessions) the fixed-size cases cycle through. */
const POOL = 1000;
/** `jwt.verifiedTokenCacheSize`'s default (src/jwt/jwt-settings.ts); not exported. */
const CACHE_SIZE = 10_000;
/** `maxRevocations`' default in InMemoryRevocationStore. */
const REVOCATION_CAP = 100_000;
/** How long the revocations and sessions the script writes live: past the run. */
const HOUR = 3_600_000;
const MiB = 2 ** 20;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('scale.js needs --expose-gc (run it through `node bench/run.mjs scale`)');
  process.exit(2);
}

function log(message: string): void {
  process.stderr.write(`scale: ${message}\n`);
}

function settle(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc!();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** One request through the guard, with a fresh request object as an adapter passes it. */
interface Case {
  readonly call: () => Promise<void>;
  /** The CPU µs a server behind the case has used so far (redis-server), if any. */
  readonly serverMicros?: () => Promise<number>;
}

interface Measured {
  /** CPU µs per call, median of rounds, per case. */
  readonly micros: number[];
  readonly serverMicros: (number | undefined)[];
  /** Per case: its cost over case 0's, median of per-round ratios. */
  readonly vsFirst: RoundRatio[];
}

/** Runs `cases` in alternating batches for SECONDS each per round; round 0 is warm-up. */
async function measure(cases: readonly Case[]): Promise<Measured> {
  const rounds: { micros: number[]; server: (number | undefined)[] }[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const spent = cases.map(() => 0);
    const server = cases.map(() => 0);
    let calls = 0;
    let first = 0;
    const limit = process.hrtime.bigint() + BigInt(Math.round(SECONDS * cases.length * 1e9));
    while (process.hrtime.bigint() < limit) {
      // Each case leads in turn. Cases that cycle through one pool read the same credentials in
      // the same batch, and the first to read them pays for bringing them into the CPU's caches:
      // with a million tokens (a pool far larger than the caches) a fixed order charged that to
      // case 0 alone, a few per cent of a request.
      for (let step = 0; step < cases.length; step++) {
        const i = (first + step) % cases.length;
        const c = cases[i]!;
        const serverStart = await c.serverMicros?.();
        const start = cpuMicros();
        for (let k = 0; k < BATCH; k++) await c.call();
        spent[i]! += cpuMicros() - start;
        if (serverStart !== undefined) server[i]! += (await c.serverMicros!()) - serverStart;
      }
      calls += BATCH;
      first = (first + 1) % cases.length;
    }
    if (round > 0) {
      rounds.push({
        micros: spent.map((us) => us / calls),
        server: cases.map((c, i) => (c.serverMicros ? server[i]! / calls : undefined)),
      });
    }
  }
  return {
    micros: cases.map((_, i) => median(rounds.map((r) => r.micros[i]!))),
    serverMicros: cases.map((c, i) =>
      c.serverMicros ? median(rounds.map((r) => r.server[i]!)) : undefined,
    ),
    vsFirst: cases.map((_, i) => {
      const ratios = rounds.map((r) => r.micros[i]! / r.micros[0]!);
      return { value: median(ratios), min: min(ratios), max: max(ratios) };
    }),
  };
}

/**
 * Credentials kept outside the JS heap, one latin1 string each, handed out as a new string per
 * request, as an HTTP parser hands a new header string to each request. A pool of strings on
 * the heap would be measured with the library: V8 changes a string's representation (flattens,
 * internalises) the first time code reads it in some ways, and keeps the change as long as the
 * string lives, which for a pool is the whole measurement.
 */
class CredentialPool {
  private readonly chunks: Buffer[] = [];
  private pending: string[] = [];
  private readonly where: { chunk: number; start: number; end: number }[] = [];

  add(value: string): void {
    this.pending.push(value);
    if (this.pending.length === 10_000) this.flush();
  }

  get size(): number {
    return this.where.length + this.pending.length;
  }

  /** A new string equal to the i-th value (after {@link seal}). */
  get(i: number): string {
    const w = this.where[i]!;
    return this.chunks[w.chunk]!.toString('latin1', w.start, w.end);
  }

  /** Ends the adding. */
  seal(): this {
    this.flush();
    return this;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = this.chunks.length;
    let start = 0;
    for (const value of this.pending) {
      this.where.push({ chunk, start, end: start + value.length });
      start += value.length;
    }
    this.chunks.push(Buffer.from(this.pending.join(''), 'latin1'));
    this.pending = [];
  }
}

/** A case cycling through `pool`, one credential per call, on `controller.method` of `harness`. */
function cycling(
  harness: GuardHarness,
  controller: Type<unknown>,
  method: string,
  pool: CredentialPool,
  header: string,
  shape: Partial<AuthRequest> = {},
): Case {
  let next = 0;
  return {
    call: async () => {
      const req = { ...request({ [header]: pool.get(next) }), ...shape };
      next = next + 1 === pool.size ? 0 : next + 1;
      if (!(await harness.guard.canActivate(harness.context(controller, method, req)))) {
        throw new Error('request denied');
      }
    },
  };
}

async function bearers(harness: GuardHarness, n: number): Promise<CredentialPool> {
  const tokens = harness.app.get(TokenService);
  const pool = new CredentialPool();
  for (let i = 0; i < n; i++) pool.add(`Bearer ${await tokens.issueAccessToken(userId(i))}`);
  return pool.seal();
}

const jwtCase = (harness: GuardHarness, pool: CredentialPool) =>
  cycling(harness, GatehouseRedisController, 'jwtRedis', pool, 'authorization');

// ---------------------------------------------------------------------------------------------
// JWT with many distinct live tokens

async function jwtScale(): Promise<NonNullable<ScaleResult['jwt']>> {
  const rows: JwtScaleRow[] = [];
  let signSeconds = 0;
  for (const size of JWT_SIZES) {
    const began = Date.now();
    const signer = await createGuardHarness(ScaleAppModule.jwt());
    let headers: CredentialPool | undefined = await bearers(signer, size);
    await signer.close();
    signSeconds = Math.max(signSeconds, (Date.now() - began) / 1000);
    const passed = Math.min(size, PASS);
    const pass = async (harness: GuardHarness, n: number) => {
      const c = jwtCase(harness, headers!);
      for (let i = 0; i < n; i++) await c.call();
    };
    // What the library keeps per distinct token, one setting at a time: with another verifying
    // application alive, V8's shared tables grow on the first sight of each token and the
    // growth would be charged to whichever is measured (about 50 B per token, not repeated on
    // a second pass; with one application alone it does not happen).
    const memoryOf = async (jwt: Parameters<typeof ScaleAppModule.jwt>[0]) => {
      const harness = await createGuardHarness(ScaleAppModule.jwt(jwt));
      const start = settle();
      await pass(harness, passed);
      const end = settle();
      await harness.close();
      return { heap: (end.heap - start.heap) / MiB, rss: (end.rss - start.rss) / MiB };
    };
    const cachedMemory = await memoryOf({});
    const uncachedMemory = await memoryOf({ verifiedTokenCacheSize: 0 });
    const cached = await createGuardHarness(ScaleAppModule.jwt());
    const uncached = await createGuardHarness(ScaleAppModule.jwt({ verifiedTokenCacheSize: 0 }));
    // Up to the cache's size, a cache that holds the whole pool before the first round.
    if (size <= CACHE_SIZE) await pass(cached, size);
    const m = await measure([jwtCase(cached, headers), jwtCase(uncached, headers)]);
    rows.push({
      tokens: size,
      passed,
      cachedMicros: m.micros[0]!,
      uncachedMicros: m.micros[1]!,
      // vsFirst is uncached / cached; the row states cached / uncached.
      vsUncached: invert(m.vsFirst[1]!),
      cachedHeapMiB: cachedMemory.heap,
      cachedRssMiB: cachedMemory.rss,
      uncachedHeapMiB: uncachedMemory.heap,
      uncachedRssMiB: uncachedMemory.rss,
    });
    const r = rows.at(-1)!;
    log(
      `jwt ${size.toLocaleString('en').padStart(9)} tokens: cached ${fmt(r.cachedMicros, 2)} µs, ` +
        `uncached ${fmt(r.uncachedMicros, 2)} µs, cached × uncached ${fmt(r.vsUncached.value, 3)} ` +
        `[${fmt(r.vsUncached.min, 3)}–${fmt(r.vsUncached.max, 3)}]; heap +${fmt(r.cachedHeapMiB)} / ` +
        `+${fmt(r.uncachedHeapMiB)} MiB`,
    );
    headers = undefined;
    await cached.close();
    await uncached.close();
  }
  return { cacheSize: CACHE_SIZE, signSeconds, rows };
}

function invert(r: RoundRatio): RoundRatio {
  return { value: 1 / r.value, min: 1 / r.max, max: 1 / r.min };
}

// ---------------------------------------------------------------------------------------------
// Revocation stores

/** A 22-character id, as TokenService makes them (16 random bytes, base64url), but unique. */
function entryId(kind: string, i: number): string {
  return `${kind}${i.toString(36).padStart(21, '0')}`;
}

/** What entry `i` of a fill is: 90% token ids, 9% refresh families, 1% users' cut-offs. */
function entryKind(i: number): 'subject' | 'family' | 'token' {
  const kind = i % 100;
  return kind === 0 ? 'subject' : kind < 10 ? 'family' : 'token';
}

/**
 * The owner of entry `i`: 20,000 users share the revocations (each far below the in-memory
 * store's quota of 500); a cut-off is of a user of its own. None is a bench user, whose tokens
 * must stay valid.
 */
const ownerOf = (i: number) => `owner-${i % 20_000}`;
const cutoffUser = (i: number) => `gone-${i}`;

/** Writes entries `from` to `to` (exclusive) through the store's own methods, `parallel` at a time. */
async function fill(
  store: RevocationStore,
  from: number,
  to: number,
  parallel: number,
  only?: 'subject',
): Promise<void> {
  const until = Date.now() + HOUR;
  const one = (i: number): Promise<void> => {
    const kind = entryKind(i);
    if (kind === 'subject') return store.revokeSubject(cutoffUser(i), Date.now(), until);
    if (kind === 'family') return store.revokeFamily(entryId('f', i), until, ownerOf(i));
    return store.revokeToken(entryId('t', i), until, ownerOf(i));
  };
  for (let i = from; i < to; i += parallel) {
    const batch: Promise<void>[] = [];
    for (let k = i; k < Math.min(to, i + parallel); k++) {
      if (only === undefined || entryKind(k) === only) batch.push(one(k));
    }
    await Promise.all(batch);
  }
}

/** What the default in-memory store does with one revocation more than its cap. */
async function probeCap(store: RevocationStore, accepted: number): Promise<RevocationCap> {
  const began = process.hrtime.bigint();
  let refusal = 'nothing: it accepted the write';
  try {
    await store.revokeToken(entryId('x', 0), Date.now() + HOUR, 'owner-probe');
  } catch (error) {
    const e = error as Error & { reason?: string; detail?: string };
    refusal = `${e.name} ${e.reason ?? ''} (“${e.detail ?? e.message}”)`;
  }
  return {
    maxRevocations: REVOCATION_CAP,
    accepted,
    refusal,
    refusedWriteMs: Number(process.hrtime.bigint() - began) / 1e6,
  };
}

async function memoryRevocation(
  headers: CredentialPool,
): Promise<{ rows: RevocationScaleRow[]; cap?: RevocationCap; harnesses: GuardHarness[] }> {
  const stores: { entries: number; settings?: string; harness: GuardHarness }[] = [];
  const filled: { fillSeconds: number; writeMicros: number; heap: number; rss: number }[] = [];
  let cap: RevocationCap | undefined;
  for (const entries of [0, ...REVOCATION_SIZES]) {
    const raised = entries > REVOCATION_CAP;
    const providers: Provider[] = raised
      ? [{ provide: IN_MEMORY_REVOCATION_OPTIONS, useValue: { maxRevocations: entries } }]
      : [];
    const harness = await createGuardHarness(ScaleAppModule.jwt({}, providers));
    const store = harness.app.get(RevocationStore);
    const before = settle();
    const began = Date.now();
    const tenth = Math.floor(entries * 0.9);
    await fill(store, 0, tenth, 1000);
    const cpu = cpuMicros();
    await fill(store, tenth, entries, 1000);
    const writeMicros = (cpuMicros() - cpu) / (entries - tenth);
    const fillSeconds = (Date.now() - began) / 1000;
    const after = settle();
    filled.push({
      fillSeconds,
      writeMicros,
      heap: after.heap - before.heap,
      rss: after.rss - before.rss,
    });
    if (entries === REVOCATION_CAP) cap = await probeCap(store, entries);
    stores.push({
      entries,
      settings: raised ? `maxRevocations: ${entries.toLocaleString('en')}` : undefined,
      harness,
    });
    log(
      `revocation in memory: ${entries.toLocaleString('en')} entries in ${fmt(fillSeconds, 1)} s`,
    );
  }
  if (!cap && REVOCATION_SIZES.some((n) => n > REVOCATION_CAP)) {
    // No size sits at the cap: fill a default store to it, only to see what it does next.
    const harness = await createGuardHarness(ScaleAppModule.jwt());
    const store = harness.app.get(RevocationStore);
    await fill(store, 0, REVOCATION_CAP, 1000);
    cap = await probeCap(store, REVOCATION_CAP);
    await harness.close();
  }
  if (cap) log(`revocation in memory: past the default cap, ${cap.refusal}`);
  const m = await measure(stores.map((s) => jwtCase(s.harness, headers)));
  const rows = stores.map((s, i): RevocationScaleRow => ({
    store: 'memory',
    entries: s.entries,
    ...(s.settings ? { settings: s.settings } : {}),
    fillSeconds: filled[i]!.fillSeconds,
    ...(s.entries === 0 ? {} : { writeMicros: filled[i]!.writeMicros }),
    micros: m.micros[i]!,
    vsEmpty: m.vsFirst[i]!,
    bytesPerEntry: s.entries === 0 ? 0 : filled[i]!.heap / s.entries,
    rssBytesPerEntry: s.entries === 0 ? 0 : filled[i]!.rss / s.entries,
  }));
  return { rows, cap, harnesses: stores.map((s) => s.harness) };
}

async function redisInfo(client: Redis, section: string, field: string): Promise<number> {
  const text = await client.info(section);
  const match = new RegExp(`^${field}:([0-9.]+)`, 'm').exec(text);
  if (!match) throw new Error(`redis INFO ${section} has no ${field}`);
  return Number(match[1]);
}

/**
 * Fills a Redis store: the cut-offs through the store's own method (a Lua script each), token
 * ids and families in pipelines of the SETs the store's methods send (its methods one by one
 * manage about 13,000 writes per second here: over a minute for a million). Then checks that
 * the store finds an entry of each kind, so the layout cannot drift from the store's.
 */
async function fillRedis(store: RevocationStore, admin: Redis, db: number, entries: number) {
  await fill(store, 0, entries, 1000, 'subject');
  const prefix = 'gatehouse:rv:';
  const ttl = HOUR;
  await admin.select(db);
  for (let i = 0; i < entries; i += 10_000) {
    const pipeline = admin.pipeline();
    for (let k = i; k < Math.min(entries, i + 10_000); k++) {
      const kind = entryKind(k);
      if (kind === 'token') pipeline.set(`${prefix}t:${entryId('t', k)}`, '1', 'PX', ttl);
      if (kind === 'family') pipeline.set(`${prefix}f:{${entryId('f', k)}}`, '1', 'PX', ttl);
    }
    await pipeline.exec();
  }
  await admin.select(0);
  if (entries === 0) return;
  const issuedAt = 0;
  const found = await Promise.all([
    store.isRevoked({ tokenId: entryId('t', entries - 1), subject: 'nobody', issuedAt }),
    store.isRevoked({ tokenId: 'x', family: entryId('f', 1), subject: 'nobody', issuedAt }),
    store.isRevoked({ tokenId: 'x', subject: cutoffUser(0), issuedAt }),
  ]);
  if (found.some((f) => !f)) throw new Error(`the Redis fill missed the store's layout: ${found}`);
}

async function redisRevocation(
  url: string,
  headers: CredentialPool,
): Promise<RevocationScaleRow[]> {
  const admin = new Redis(url, { lazyConnect: false });
  const serverMicros = async () =>
    ((await redisInfo(admin, 'cpu', 'used_cpu_user')) +
      (await redisInfo(admin, 'cpu', 'used_cpu_sys'))) *
    1e6;
  const stores: { entries: number; harness: GuardHarness; fillSeconds: number; bytes: number }[] =
    [];
  try {
    for (const [db, entries] of [0, ...REVOCATION_SIZES].entries()) {
      // One database per size, so the empty store's keyspace is empty, as in its own Redis.
      const harness = await createGuardHarness(
        ScaleAppModule.jwt({}, [RedisRevocationStore.provider({ url: `${url}/${db}` })]),
      );
      const store = harness.app.get(RevocationStore);
      const before = await redisInfo(admin, 'memory', 'used_memory');
      const began = Date.now();
      await fillRedis(store, admin, db, entries);
      const fillSeconds = (Date.now() - began) / 1000;
      const bytes = (await redisInfo(admin, 'memory', 'used_memory')) - before;
      stores.push({ entries, harness, fillSeconds, bytes });
      log(
        `revocation in Redis: ${entries.toLocaleString('en')} entries in ${fmt(fillSeconds, 1)} s`,
      );
    }
    const m = await measure(stores.map((s) => ({ ...jwtCase(s.harness, headers), serverMicros })));
    return stores.map((s, i) => ({
      store: 'redis',
      entries: s.entries,
      fillSeconds: s.fillSeconds,
      micros: m.micros[i]!,
      serverMicros: m.serverMicros[i],
      vsEmpty: m.vsFirst[i]!,
      bytesPerEntry: s.entries === 0 ? 0 : s.bytes / s.entries,
    }));
  } finally {
    for (const s of stores) await s.harness.close();
    admin.disconnect();
  }
}

async function revocationScale(): Promise<NonNullable<ScaleResult['revocation']>> {
  const signer = await createGuardHarness(ScaleAppModule.jwt());
  const headers = await bearers(signer, POOL);
  await signer.close();
  const memory = await memoryRevocation(headers);
  for (const h of memory.harnesses) await h.close();
  for (const r of memory.rows) {
    log(
      `revocation in memory: ${r.entries.toLocaleString('en').padStart(9)} entries ${fmt(r.micros, 2)} µs, × empty ${fmt(r.vsEmpty.value, 3)}, ${fmt(r.bytesPerEntry, 0)} B/entry`,
    );
  }
  const redis = await startRedis();
  if (!redis) return { rows: memory.rows, cap: memory.cap, redisSkipped: 'redis-server not found' };
  try {
    const rows = await redisRevocation(redis.url, headers);
    for (const r of rows) {
      log(
        `revocation in Redis: ${r.entries.toLocaleString('en').padStart(9)} entries ${fmt(r.micros, 2)} µs (+ redis ${fmt(r.serverMicros, 2)} µs), × empty ${fmt(r.vsEmpty.value, 3)}, ${fmt(r.bytesPerEntry, 0)} B/entry`,
      );
    }
    return { rows: [...memory.rows, ...rows], cap: memory.cap };
  } finally {
    redis.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions

const SESSION_BINDING = Symbol.for('nestjs-gatehouse:session-binding');

/**
 * Logs in `n` sessions through SessionService, the way configureSessions' middleware binding
 * serves it (a new 256-bit id, the session saved to the store as JSON), and returns the signed
 * cookies of POOL of them, spread over the store.
 */
async function loginSessions(harness: GuardHarness, n: number): Promise<CredentialPool> {
  const service = harness.app.get(SessionService);
  const store = harness.app.get(SessionStore);
  // The configured name (with its __Host- prefix when Secure), as the backend documents it.
  const scheme = harness.app.get(SessionBackend).describeSecurity().session as { name: string };
  const every = Math.max(1, Math.floor(n / POOL));
  const cookies = new CredentialPool();
  for (let i = 0; i < n; i++) {
    let sid: string | undefined;
    let session: Record<string, unknown> | null = null;
    const binding = {
      hadCookie: false,
      transport: 'loopback',
      session: () => session,
      id: () => sid,
      regenerate: async () => {
        sid = randomBytes(32).toString('base64url');
        // The middleware's own part of a stored session.
        session = {
          cookie: {
            originalMaxAge: null,
            secure: true,
            httpOnly: true,
            path: '/',
            sameSite: 'lax',
          },
        };
      },
      save: () => store.set(sid!, JSON.parse(JSON.stringify(session)), HOUR),
      end: async () => {
        session = null;
      },
    };
    const login = { headers: {}, method: 'POST', url: '/login', ip: '127.0.0.1' };
    await service.login(Object.assign(login, { [SESSION_BINDING]: binding }), userId(i));
    if (i % every === 0 && cookies.size < POOL) {
      // Signed as @fastify/session signs (the detached read checks the installed middleware's
      // format; with none installed, that one).
      const mac = createHmac('sha256', BENCH_SECRET).update(sid!).digest('base64');
      cookies.add(`${scheme.name}=${sid}.${mac.replace(/=+$/, '')}`);
    }
  }
  return cookies.seal();
}

async function sessionScale(): Promise<NonNullable<ScaleResult['sessions']>> {
  const apps: { sessions: number; harness: GuardHarness; cookies: CredentialPool }[] = [];
  const filled: { fillSeconds: number; heap: number; rss: number }[] = [];
  try {
    for (const sessions of SESSION_SIZES) {
      const harness = await createGuardHarness(ScaleAppModule.sessions());
      const before = settle();
      const began = Date.now();
      const cookies = await loginSessions(harness, sessions);
      const fillSeconds = (Date.now() - began) / 1000;
      const after = settle();
      filled.push({ fillSeconds, heap: after.heap - before.heap, rss: after.rss - before.rss });
      apps.push({ sessions, harness, cookies });
      log(`sessions: ${sessions.toLocaleString('en')} logged in in ${fmt(fillSeconds, 1)} s`);
    }
    const m = await measure(
      apps.map((a) =>
        // A view (as a connection's): the session is read from the store by its cookie.
        cycling(a.harness, GatehouseSessionController, 'session', a.cookies, 'cookie', {
          transport: 'ws',
        }),
      ),
    );
    const rows = apps.map((a, i): SessionScaleRow => ({
      sessions: a.sessions,
      fillSeconds: filled[i]!.fillSeconds,
      micros: m.micros[i]!,
      vsSmallest: m.vsFirst[i]!,
      bytesPerSession: filled[i]!.heap / a.sessions,
      rssBytesPerSession: filled[i]!.rss / a.sessions,
    }));
    for (const r of rows) {
      log(
        `sessions: ${r.sessions.toLocaleString('en').padStart(9)} ${fmt(r.micros, 2)} µs, × smallest ${fmt(r.vsSmallest.value, 3)}, ${fmt(r.bytesPerSession, 0)} B/session`,
      );
    }
    return { rows };
  } finally {
    for (const a of apps) await a.harness.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const began = Date.now();
  const cpuBefore = cpuMicros();
  const loadBefore = os.loadavg();
  const jwt = PARTS.has('jwt') && JWT_SIZES.length > 0 ? await jwtScale() : undefined;
  const revocation = PARTS.has('revocation') ? await revocationScale() : undefined;
  const sessions =
    PARTS.has('sessions') && SESSION_SIZES.length > 0 ? await sessionScale() : undefined;
  const result: ScaleResult = {
    date: new Date().toISOString(),
    seconds: (Date.now() - began) / 1000,
    cpuSeconds: (cpuMicros() - cpuBefore) / 1e6,
    rounds: ROUNDS,
    secondsPerRound: SECONDS,
    loadBefore,
    loadAfter: os.loadavg(),
    ...(jwt ? { jwt } : {}),
    ...(revocation ? { revocation } : {}),
    ...(sessions ? { sessions } : {}),
  };
  const file = writeResult('scale', result);
  log(`wrote ${file} after ${fmt(result.seconds, 0)} s (${fmt(result.cpuSeconds, 0)} s of CPU)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
