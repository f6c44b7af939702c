import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { freePort, redisProcess } from './redis-server.js';

/** One redis-server of the cluster. */
export interface ClusterNode {
  readonly port: number;
  /** Kills the process at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and cluster config: it rejoins the cluster. */
  start(): Promise<void>;
}

/** A Redis Cluster of three primaries, each with one replica, on loopback. */
export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /**
   * A cluster client as an application would open one (failing fast, recovering by itself),
   * once it is ready.
   */
  client(options?: ClusterOptions): Promise<Cluster>;
  /** The port of the primary that serves `key`'s slot now, and of its replica. */
  shardOf(key: string): Promise<{ primary: number; replica: number }>;
  /** Resolves once `port` is a primary the whole cluster agrees on, with every slot served. */
  waitForPrimary(port: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the primary `port` has a replica in sync (`connected_slaves` ≥ 1). */
  waitForReplica(port: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

// Short node timeout, so a dead primary is noticed and replaced in about two seconds.
const NODE_TIMEOUT_MS = 1000;

/** Whether `redis-server` and `redis-cli` are both on the PATH. */
export function redisClusterToolsAvailable(): boolean {
  return ['redis-server', 'redis-cli'].every(
    (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0,
  );
}

/**
 * Starts six redis-servers with `--cluster-enabled yes` on free loopback ports, joins them with
 * `redis-cli --cluster create … --cluster-replicas 1`, and waits (bounded by `timeoutMs`) until
 * every node sees all 16384 slots served. Everything is removed by `close()`.
 */
export async function startRedisCluster(timeoutMs = 30_000): Promise<RedisCluster> {
  if (!redisClusterToolsAvailable()) {
    throw new Error(
      'redis-server and redis-cli are needed for the Redis Cluster suites ' +
        '(Debian: `apt-get install -y redis-server redis-tools`; .ci/run installs them)',
    );
  }
  const deadline = Date.now() + timeoutMs;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'));
  const ports: number[] = [];
  while (ports.length < 6) {
    const port = await freePort();
    // The cluster bus listens on port + 10000; both must be free and below 65536.
    if (port < 55_000 && !ports.includes(port) && !ports.includes(port + 10_000)) ports.push(port);
  }
  const nodes = ports.map((port) => node(port, dir));
  const admins: Redis[] = [];
  const clients: Cluster[] = [];
  const close = async () => {
    for (const client of clients) client.disconnect();
    for (const admin of admins) admin.disconnect();
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await Promise.all(nodes.map((n) => n.start()));
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: Math.max(1000, deadline - Date.now()) },
    );
    if (created.status !== 0) {
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    }
    const adminOf = (port: number) => {
      const admin = new Redis(port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 0 });
      admin.on('error', () => undefined);
      admins.push(admin);
      return admin;
    };
    // Every node must agree before a client connects, or its first slot map is partial.
    await until(deadline, 'the cluster to become ready', async () => {
      for (const port of ports) {
        const admin = adminOf(port);
        try {
          const info = await admin.cluster('INFO');
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          if (!/cluster_known_nodes:6/.test(info)) return false;
        } finally {
          admin.disconnect();
        }
      }
      return true;
    });

    const shards = async (): Promise<Array<{ from: number; to: number; ports: number[] }>> => {
      for (const candidate of nodes) {
        const admin = adminOf(candidate.port);
        try {
          const slots = (await admin.cluster('SLOTS')) as Array<[number, number, ...unknown[][]]>;
          return slots.map(([from, to, ...members]) => ({
            from,
            to,
            ports: members.map((m) => Number(m[1])),
          }));
        } catch {
          // A dead node: ask the next.
        } finally {
          admin.disconnect();
        }
      }
      throw new Error('no node of the cluster answers');
    };
    const primaries = async (): Promise<number[]> =>
      (await shards()).map((shard) => shard.ports[0]!);
    /** The port of the in-sync replica of the primary `port`, asked of the primary itself. */
    const replicaOf = async (port: number): Promise<number | undefined> => {
      const admin = adminOf(port);
      try {
        const info = await admin.info('replication');
        const replica = /slave0:ip=[^,]*,port=(\d+),state=online/.exec(info);
        return /role:master/.test(info) && replica ? Number(replica[1]) : undefined;
      } finally {
        admin.disconnect();
      }
    };
    // Each primary also has its replica in sync before a test may count on a failover. (The
    // other nodes learn of the replicas by gossip, later; the primaries know at once.)
    await until(deadline, 'every primary to have its replica in sync', async () => {
      const all = await primaries();
      if (all.length !== 3) return false;
      for (const port of all) if ((await replicaOf(port)) === undefined) return false;
      return true;
    });

    return {
      nodes,
      client: async (options = {}) => {
        const client = new Cluster(
          ports.map((port) => ({ host: '127.0.0.1', port })),
          clusterOptions(options),
        );
        client.on('error', () => undefined);
        clients.push(client);
        await until(
          Date.now() + 10_000,
          'the cluster client',
          async () => client.status === 'ready',
        );
        return client;
      },
      shardOf: async (key) => {
        const admin = adminOf(ports[0]!);
        let slot: number;
        try {
          slot = await admin.cluster('KEYSLOT', key);
        } catch {
          const other = adminOf(ports[1]!);
          slot = await other.cluster('KEYSLOT', key);
          other.disconnect();
        } finally {
          admin.disconnect();
        }
        const shard = (await shards()).find((s) => s.from <= slot && slot <= s.to);
        const replica = shard && (await replicaOf(shard.ports[0]!));
        if (!shard || replica === undefined) throw new Error(`slot ${slot} has no replica`);
        return { primary: shard.ports[0]!, replica };
      },
      waitForPrimary: (port, ms = 20_000) =>
        until(Date.now() + ms, `${port} to become a primary`, async () => {
          if (!(await primaries()).includes(port)) return false;
          const admin = adminOf(port);
          try {
            const info = await admin.cluster('INFO');
            return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info);
          } finally {
            admin.disconnect();
          }
        }),
      waitForReplica: (port, ms = 20_000) =>
        until(
          Date.now() + ms,
          `a replica of ${port} to be in sync`,
          async () => (await replicaOf(port)) !== undefined,
        ),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * What an application would pass: no offline queue, so a command fails at once while its node
 * is unreachable (the store answers 503) instead of waiting; short retry delays and slot
 * refreshes, so the client finds a promoted replica by itself.
 */
function clusterOptions(options: ClusterOptions): ClusterOptions {
  return {
    enableOfflineQueue: false,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 500,
    slotsRefreshInterval: 1000,
    clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 500),
    ...options,
    redisOptions: { connectTimeout: 500, maxRetriesPerRequest: 0, ...options.redisOptions },
  };
}

function node(port: number, dir: string): ClusterNode {
  const server = redisProcess(port, dir, [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    String(NODE_TIMEOUT_MS),
    // A replica that lost its primary a moment ago is always fit to replace it.
    '--cluster-replica-validity-factor',
    '0',
    // Replicas sync at once rather than after the default 5 s of batching.
    '--repl-diskless-sync-delay',
    '0',
  ]);
  return { port, start: server.start, kill: server.stop };
}

/** Polls `check` every 100 ms until it answers true; fails once `deadline` has passed. */
export async function until(
  deadline: number,
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  for (;;) {
    const ok = await check().catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
