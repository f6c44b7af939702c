/**
 * A throwaway redis-server for the Redis routes: loopback only, a free port, no persistence,
 * killed when the run ends. The runner reads its command counters around each sample.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface BenchRedis {
  readonly url: string;
  /**
   * The commands the server has processed so far, by lower-case name (`INFO commandstats`),
   * without INFO: the runner's own reads. Commands sent in one pipeline count one each, and
   * commands a script runs count beside the EVAL, as MONITOR would list them.
   */
  commandCounts(): Promise<Record<string, number>>;
  stop(): void;
}

/** Parses `INFO commandstats`: `cmdstat_<name>:calls=<n>,...` per line. */
export function parseCommandStats(info: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = match[1]!.toLowerCase();
    if (name !== 'info') counts[name] = Number(match[2]);
  }
  return counts;
}

/** `after − before` per command, leaving out the commands that did not change. */
export function commandDelta(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const change = calls - (before[name] ?? 0);
    if (change > 0) delta[name] = change;
  }
  return delta;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts redis-server, or returns `undefined` when the binary is not installed. */
export async function startRedis(): Promise<BenchRedis | undefined> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  // The runner's own connection, opened once the server is up, so its handshake is not counted
  // in a sample.
  const counter = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const stop = () => {
    counter.disconnect();
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      stop();
      throw new Error('redis-server did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await counter.connect();
  const commandCounts = async () => parseCommandStats(await counter.info('commandstats'));
  return { url, commandCounts, stop };
}
