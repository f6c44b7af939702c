import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock, configureSessions, type JwtOptions } from 'nestjs-gatehouse';
import {
  FakeClock,
  loginThrottleStoreContract,
  revocationStoreContract,
  sessionStoreContract,
} from 'nestjs-gatehouse/testing';
import {
  RedisLoginThrottleStore,
  RedisRevocationStore,
  RedisSessionStore,
} from 'nestjs-gatehouse/redis';
import { jwtAppModule } from './apps/jwt.app.js';
import { sessionApp } from './apps/session.app.js';
import { CookieJar } from './support/cookie-jar.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { bearer } from './support/http.js';
import { startRedisCluster, until, type RedisCluster } from './support/redis-cluster.js';
import { postLogin } from './support/session-login.js';

// Every store write waits for one replica, so a failover loses none of them. The bounds are
// generous: the machine is shared, and a slow answer must not pass for an outage.
const WAIT = { replicas: 1, timeoutMs: 1000 } as const;
const COMMAND_TIMEOUT_MS = 2500;
const jwt: JwtOptions = { algorithms: ['HS256'], secret: randomBytes(32), issuer: 'cluster-test' };

let cluster: RedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = await cluster.client();
}, 60_000);
afterAll(() => cluster?.close());

/** Every key under `prefix`, gathered from every primary. */
async function keysOf(prefix: string): Promise<string[]> {
  const found = await Promise.all(client.nodes('master').map((n) => n.keys(`${prefix}*`)));
  return found.flat();
}

const slotOf = (key: string) => client.cluster('KEYSLOT', key) as Promise<number>;

/** The options of a store under `keyPrefix` that waits for a replica on every write. */
const onCluster = (keyPrefix: string) => ({
  keyPrefix,
  commandTimeoutMs: COMMAND_TIMEOUT_MS,
  waitForReplicas: WAIT,
});

/** Deletes every key under `prefix`: a contract's `close`, so the next store starts empty. */
const dropKeys = (prefix: string) => async () => {
  for (const key of await keysOf(prefix)) await client.del(key);
};

describe('the Redis stores keep their contracts on a Redis Cluster', () => {
  const prefix = `gatehouse-cluster-rv-${process.pid}:`;
  revocationStoreContract(
    'RedisRevocationStore on a Cluster, waiting for a replica',
    async (clock) => ({
      store: new RedisRevocationStore(client, clock, onCluster(prefix)),
      // Redis ages keys by its own clock; time travel shortens every key's TTL by as much.
      advance: async (ms) => {
        clock.advance(ms);
        for (const key of await keysOf(prefix)) {
          const left = await client.pttl(key);
          if (left - ms <= 0) await client.del(key);
          else await client.pexpire(key, left - ms);
        }
      },
      entries: async () => (await keysOf(prefix)).length,
      close: dropKeys(prefix),
    }),
    vitest,
  );

  sessionStoreContract(
    'RedisSessionStore on a Cluster, waiting for a replica',
    async () => new RedisSessionStore(client, onCluster(`gatehouse-cluster-s-${process.pid}:`)),
    vitest,
  );

  const throttlePrefix = `gatehouse-cluster-lt-${process.pid}:`;
  loginThrottleStoreContract(
    'RedisLoginThrottleStore on a Cluster, waiting for a replica',
    async (clock) => ({
      store: new RedisLoginThrottleStore(client, clock, onCluster(throttlePrefix)),
      close: dropKeys(throttlePrefix),
    }),
    vitest,
  );

  it("checks a token whose id, subject and family keys sit in three slots, and one script's keys share one", async () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const store = new RedisRevocationStore(client, clock, { keyPrefix: prefix });
    // Names whose keys land in three different slots, so MGET could not read them.
    const token = { tokenId: 'jti-1', subject: 'user-2', family: 'fam-3', issuedAt: clock.now() };
    const slots = new Set([
      await slotOf(`${prefix}t:${token.tokenId}`),
      await slotOf(`${prefix}s:${token.subject}`),
      await slotOf(`${prefix}f:{${token.family}}`),
    ]);
    expect(slots.size).toBe(3);
    await expect(client.mget(`${prefix}t:jti-1`, `${prefix}s:user-2`)).rejects.toThrow();
    expect(await store.isRevoked(token)).toBe(false);
    await store.revokeFamily('fam-3', clock.now() + 60_000);
    expect(await store.isRevoked(token)).toBe(true);
    // The spend script reads the family's revocation and writes its generation: one slot.
    expect(await slotOf(`${prefix}f:{fam-3}`)).toBe(await slotOf(`${prefix}g:{fam-3}`));
    expect(await store.consumeRefreshToken('fam-3', 0, clock.now() + 60_000)).toBe(
      'family_revoked',
    );
  });

  it('refuses a replica wait that could outlast the command bound', () => {
    const clock = new FakeClock();
    expect(
      () =>
        new RedisRevocationStore(client, clock, {
          commandTimeoutMs: 200,
          waitForReplicas: { replicas: 1, timeoutMs: 200 },
        }),
    ).toThrow(/waitForReplicas\.timeoutMs/);
    expect(
      () => new RedisSessionStore(client, { waitForReplicas: { replicas: 0, timeoutMs: 10 } }),
    ).toThrow(/waitForReplicas\.replicas/);
    expect(
      () =>
        new RedisLoginThrottleStore(client, clock, {
          waitForReplicas: { replicas: 1, timeoutMs: 5000 },
        }),
    ).toThrow(/RedisLoginThrottleStore waitForReplicas\.timeoutMs/);
  });
});

type Pair = { access_token: string; refresh_token: string };
const login = async (app: RunningApp, username: string) => {
  const response = await app.post('/auth/login', { username });
  expect(response.status).toBe(200);
  return (await response.json()) as Pair;
};
const me = (app: RunningApp, token: string) => app.get('/me', bearer(token));
const familyOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { fam: string }).fam;

describe.each(adapters)('an application on a Redis Cluster (%s)', (adapter) => {
  let tokens: RunningApp;
  let sessions: RunningApp;
  const tag = randomBytes(4).toString('hex');

  beforeAll(async () => {
    tokens = await startApp(
      adapter,
      jwtAppModule(jwt, [
        RedisRevocationStore.provider({ client, ...onCluster(`gatehouse-app-${tag}:`) }),
      ]),
    );
    sessions = await startApp(
      adapter,
      sessionApp({}, [
        RedisSessionStore.provider({ client, ...onCluster(`gatehouse-app-${tag}:s:`) }),
      ]),
      (b) => b,
      (app) => configureSessions(app),
    );
  });
  afterAll(async () => {
    await tokens?.close();
    await sessions?.close();
  });

  it('revokes tokens at logout, and spends each refresh token once', async () => {
    const pair = await login(tokens, 'alice');
    expect((await me(tokens, pair.access_token)).status).toBe(200);
    const next = (await (await tokens.post('/auth/refresh', pair)).json()) as Pair;
    expect((await me(tokens, next.access_token)).status).toBe(200);
    // A replayed refresh token ends the whole login, the new pair included.
    expect((await tokens.post('/auth/refresh', pair)).status).toBe(401);
    expect((await me(tokens, next.access_token)).status).toBe(401);

    const other = await login(tokens, 'alice');
    expect((await tokens.post('/auth/logout', {}, bearer(other.access_token))).status).toBe(204);
    expect((await me(tokens, other.access_token)).status).toBe(401);
    expect((await tokens.post('/auth/refresh', other)).status).toBe(401);
  });

  it('ends sessions at logout and everywhere, their keys spread over the slots', async () => {
    const logins: Array<{ cookie: string; csrf: string }> = [];
    for (let i = 0; i < 3; i++) {
      const response = await postLogin(sessions, 'alice');
      expect(response.status).toBe(200);
      const jar = new CookieJar();
      jar.store(response);
      const { csrf_token } = (await response.json()) as { csrf_token: string };
      logins.push({ cookie: jar.header() ?? '', csrf: csrf_token });
    }
    const whoami = ({ cookie }: { cookie: string }) => sessions.get('/me', { cookie });
    const write = (path: string, { cookie, csrf }: { cookie: string; csrf: string }) =>
      sessions.post(path, undefined, { cookie, 'x-csrf-token': csrf });
    for (const session of logins) expect((await whoami(session)).status).toBe(200);
    const keys = await keysOf(`gatehouse-app-${tag}:s:`);
    expect(new Set(await Promise.all(keys.map(slotOf))).size).toBeGreaterThan(1);

    expect((await write('/auth/logout', logins[0]!)).status).toBe(204);
    expect((await whoami(logins[0]!)).status).toBe(401);
    expect((await whoami(logins[1]!)).status).toBe(200);
    const everywhere = await write('/auth/logout-all', logins[1]!);
    expect(everywhere.status).toBe(200);
    expect(await everywhere.json()).toEqual({ revoked: 2 });
    for (const session of logins) expect((await whoami(session)).status).toBe(401);
  });
});

describe('a primary fails over while requests come in', () => {
  let app: RunningApp;
  const clock = new FakeClock(Date.now());
  const prefix = `gatehouse-failover-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    app = await startApp(
      'express',
      jwtAppModule(jwt, [
        { provide: Clock, useValue: clock },
        RedisRevocationStore.provider({ client, ...onCluster(prefix) }),
      ]),
    );
  });
  afterAll(() => app?.close());

  it('answers 503 during the switch, never lets a revoked token pass, recovers by itself, and loses no revocation', async () => {
    const victim = await cluster.shardOf(`${prefix}s:alice`);

    // Before: every token of alice's is cut off (the cut-off lives on the victim's shard) ...
    const revoked = await login(app, 'alice');
    const cut = await app.post('/auth/logout-all', {}, bearer(revoked.access_token));
    expect(cut.status).toBe(204);
    clock.advance(2_000);
    const live = await login(app, 'alice');
    expect((await me(app, live.access_token)).status).toBe(200);
    expect((await me(app, revoked.access_token)).status).toBe(401);
    // ... and a refresh token whose family lives on that shard too is spent.
    let spent: Pair | undefined;
    for (let attempt = 0; attempt < 60 && !spent; attempt++) {
      const pair = await login(app, 'carol');
      const shard = await cluster.shardOf(`${prefix}g:{${familyOf(pair.refresh_token)}}`);
      if (shard.primary === victim.primary) spent = pair;
    }
    expect(spent).toBeDefined();
    expect((await app.post('/auth/refresh', spent)).status).toBe(200);

    // The primary dies. Its replica takes over within a few seconds, on its own.
    await cluster.nodes.find((n) => n.port === victim.primary)!.kill();
    const seen: number[] = [];
    await until(Date.now() + 30_000, 'requests to succeed again', async () => {
      const [liveStatus, revokedStatus] = await Promise.all([
        me(app, live.access_token).then((r) => r.status),
        me(app, revoked.access_token).then((r) => r.status),
      ]);
      seen.push(liveStatus);
      // Never a pass: the revoked token is refused (401) or the check cannot run (503).
      expect([401, 503]).toContain(revokedStatus);
      expect([200, 503]).toContain(liveStatus);
      return seen.slice(-3).join() === '200,200,200';
    });
    expect(seen[0]).toBe(503);
    await cluster.waitForPrimary(victim.replica);

    // Nothing written before the failover was lost: the replica had acknowledged it.
    expect((await me(app, revoked.access_token)).status).toBe(401);

    // The new primary has no replica yet, so a write there cannot be made durable: 503. The
    // replayed refresh token is caught as spent, but the family's revocation that follows is
    // such a write: 503 too, never a new pair.
    const unreplicated = await app.post('/auth/logout-all', {}, bearer(live.access_token));
    expect(unreplicated.status).toBe(503);
    expect((await app.post('/auth/refresh', spent)).status).toBe(503);
    // The old primary comes back as its replica, and durable writes work again.
    await cluster.nodes.find((n) => n.port === victim.primary)!.start();
    await cluster.waitForReplica(victim.replica);
    expect((await app.post('/auth/refresh', spent)).status).toBe(401);
    // The unreplicated cut-off was written all the same (a 503 does not undo a write; it only
    // says it may not survive): the token it was sent with is refused now.
    expect((await me(app, live.access_token)).status).toBe(401);
    clock.advance(2_000);
    const fresh = await login(app, 'alice');
    const durable = await app.post('/auth/logout-all', {}, bearer(fresh.access_token));
    expect(durable.status).toBe(204);
    expect((await me(app, fresh.access_token)).status).toBe(401);
  }, 90_000);
});
