/**
 * The HTTP benchmark runner (`npm run bench`). This process is the load generator; each adapter's
 * routes are served by a forked server process (bench/src/server.ts) on 127.0.0.1.
 *
 * Per route and adapter: a warm-up, then in every round a short unthrottled pre-warm, a
 * fixed-rate phase (server CPU per request and latency) and an unthrottled phase (peak
 * throughput); around the fixed-rate phase the bench redis-server's command counters are read
 * too (Redis commands per request). Rounds visit the routes in a rotated order and alternate the adapters, so a
 * change in the machine's load hits every route alike. Afterwards the token and memory scripts
 * run (unless skipped), and everything goes into bench/RESULTS.md and its chart, added-cost.svg.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig, type BenchConfig } from './config.js';
import { load } from './load.js';
import { machineCpu, machineInfo, packageVersions } from './machine.js';
import type { GraphQLRoute, RouteInfo } from './protocol.js';
import {
  CHART_FILE,
  renderChart,
  renderMarkdown,
  renderSummary,
  type RunReport,
} from './report.js';
import {
  readResult,
  writeResult,
  type GuardResult,
  type TransportsResult,
  type MemoryResult,
  type TokensResult,
} from './results.js';
import { commandDelta, startRedis, type BenchRedis } from './redis-server.js';
import type { ScaleResult } from './scale-report.js';
import type { AdapterRun, Sample } from './samples.js';
import { killAllServers, ServerHandle } from './server-handle.js';
import { fmt } from './stats.js';
import { checkTargets, ROUTE } from './targets.js';

const ALWAYS = new Set<string>([ROUTE.unguarded, ROUTE.floor, ROUTE.canonical]);
const SETTLE_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function checkRoute(
  server: ServerHandle,
  route: RouteInfo,
  credentials: readonly Record<string, string>[],
): Promise<void> {
  const url = server.urlOf(route) + route.path;
  if (route.graphql) return checkGraphQLRoute(server, route, route.graphql, url, credentials);
  const withCredential = await fetch(url, { headers: credentials[0] });
  const anonymous = await fetch(url);
  if (withCredential.status !== 200 || anonymous.status !== route.anonymousStatus) {
    throw new Error(
      `${server.adapter} ${route.id}: expected 200 with a credential and ${route.anonymousStatus} ` +
        `without, got ${withCredential.status} and ${anonymous.status} ` +
        `(${(await withCredential.text()).slice(0, 200)})`,
    );
  }
}

/**
 * A GraphQL route answers 200 either way: with a credential the body must be the success the
 * load generator expects; without, the refusal's `extensions.code` (or the success, unguarded).
 */
async function checkGraphQLRoute(
  server: ServerHandle,
  route: RouteInfo,
  graphql: GraphQLRoute,
  url: string,
  credentials: readonly Record<string, string>[],
): Promise<void> {
  const post = (headers?: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: graphql.body,
    });
  const withCredential = await post(credentials[0]);
  const anonymous = await post();
  const answer = await withCredential.text();
  const refusal = await anonymous.text();
  const code = (JSON.parse(refusal) as { errors?: { extensions?: { code?: unknown } }[] })
    .errors?.[0]?.extensions?.code;
  const refusedAsExpected =
    graphql.anonymousCode === null ? refusal === graphql.success : code === graphql.anonymousCode;
  if (
    withCredential.status !== 200 ||
    answer !== graphql.success ||
    anonymous.status !== route.anonymousStatus ||
    !refusedAsExpected
  ) {
    throw new Error(
      `${server.adapter} ${route.id}: expected ${graphql.success.trim()} with a credential and ` +
        `${graphql.anonymousCode ?? 'the same'} without, got ${withCredential.status} ` +
        `${answer.slice(0, 200)} and ${anonymous.status} ${refusal.slice(0, 200)}`,
    );
  }
}

async function measure(
  config: BenchConfig,
  server: ServerHandle,
  route: RouteInfo,
  credentials: readonly Record<string, string>[],
  round: number,
  redis: BenchRedis | undefined,
): Promise<Sample> {
  const target = {
    url: server.urlOf(route),
    path: route.path,
    credentials,
    connections: config.connections,
    graphql: route.graphql,
  };
  if (config.prewarm > 0) await load({ ...target, amount: config.prewarm });

  const redisBefore = await redis?.commandCounts();
  const before = await server.snapshot();
  const fixed = await load({ ...target, duration: config.duration, rate: config.rate });
  await sleep(SETTLE_MS);
  const after = await server.snapshot();
  const redisAfter = await redis?.commandCounts();
  const requests = after.requests - before.requests;
  const cpu = after.userMicros + after.systemMicros - before.userMicros - before.systemMicros;

  let peakRate: number | undefined;
  let peakCpuMicros: number | undefined;
  let peakFailed = 0;
  if (config.peak > 0) {
    const start = await server.snapshot();
    const peak = await load({ ...target, duration: config.peak });
    await sleep(SETTLE_MS);
    const end = await server.snapshot();
    peakRate = peak.completed / peak.seconds;
    peakCpuMicros =
      (end.userMicros + end.systemMicros - start.userMicros - start.systemMicros) /
      (end.requests - start.requests);
    peakFailed = peak.failed;
  }
  return {
    round,
    cpuMicros: cpu / requests,
    requests,
    achievedRate: fixed.completed / fixed.seconds,
    latenciesMs: fixed.latenciesMs,
    failed: fixed.failed + peakFailed,
    peakRate,
    peakCpuMicros,
    redisCommands: redisBefore && redisAfter && commandDelta(redisBefore, redisAfter),
  };
}

/** Runs a compiled side script (tokens, memory, guard) in its own process. */
function runSideScript(file: string, flags: string[] = []): boolean {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), file);
  if (!existsSync(script)) return false;
  const result = spawnSync(process.execPath, [...flags, script], { stdio: 'inherit' });
  return result.status === 0;
}

async function main(): Promise<void> {
  const config = readConfig();
  const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()));
  const started = Date.now();
  const deadline = setTimeout(() => {
    log(`bench: aborting, the run exceeded BENCH_MAX_SECONDS=${config.maxSeconds}`);
    killAllServers();
    process.exit(1);
  }, config.maxSeconds * 1000);
  deadline.unref();

  const machineBefore = machineCpu();
  const runnerBefore = process.cpuUsage();
  const servers: ServerHandle[] = [];
  const runs: AdapterRun[] = [];
  let serversCpu: number;
  let redis: BenchRedis | undefined;
  try {
    redis = await startRedis();
    if (!redis) log('bench: redis-server not found; the Redis routes are left out');
    const env: Record<string, string> = redis ? { REDIS_URL: redis.url } : {};
    for (const adapter of config.adapters) servers.push(await ServerHandle.start(adapter, env));
    const initial = await Promise.all(servers.map((s) => s.snapshot()));

    const credentials = new Map<string, readonly Record<string, string>[]>();
    for (const server of servers) {
      const routes = server.routes.filter(
        (r) =>
          config.routeFilter.length === 0 ||
          ALWAYS.has(r.id) ||
          config.routeFilter.some((f) => r.id.includes(f)),
      );
      for (const route of routes) {
        const headers = await server.credentials(route.id, config.tokens);
        credentials.set(`${server.adapter}:${route.id}`, headers);
        await checkRoute(server, route, headers);
      }
      runs.push({ adapter: server.adapter, routes, samples: new Map() });
      log(`bench: ${server.adapter} serves ${routes.map((r) => r.id).join(', ')}`);
    }

    if (config.warmup > 0) {
      log(`bench: warming up every route for ${config.warmup} s`);
      for (const [i, run] of runs.entries()) {
        const server = servers[i]!;
        for (const route of run.routes) {
          await load({
            url: server.urlOf(route),
            path: route.path,
            credentials: credentials.get(`${server.adapter}:${route.id}`)!,
            connections: config.connections,
            duration: config.warmup,
            graphql: route.graphql,
          });
        }
      }
    }

    for (let round = 1; round <= config.rounds; round++) {
      const order = runs[0]!.routes.map((r) => r.id);
      const shift = ((round - 1) * 3) % order.length;
      const rotated = [...order.slice(shift), ...order.slice(0, shift)];
      const adapterOrder = round % 2 === 0 ? [...runs.keys()].reverse() : [...runs.keys()];
      for (const id of rotated) {
        for (const i of adapterOrder) {
          const run = runs[i]!;
          const server = servers[i]!;
          const route = run.routes.find((r) => r.id === id);
          if (!route) continue;
          const sample = await measure(
            config,
            server,
            route,
            credentials.get(`${server.adapter}:${route.id}`)!,
            round,
            redis,
          );
          const list = run.samples.get(id) ?? [];
          list.push(sample);
          run.samples.set(id, list);
          log(
            `[${round}/${config.rounds}] ${server.adapter.padEnd(7)} ${id.padEnd(30)} ` +
              `${fmt(sample.cpuMicros).padStart(7)} µs/req  ${fmt(sample.achievedRate, 0).padStart(5)} req/s` +
              (sample.peakRate === undefined ? '' : `  peak ${fmt(sample.peakRate, 0)} req/s`) +
              (sample.failed ? `  ${sample.failed} FAILED` : ''),
          );
        }
      }
    }
    const final = await Promise.all(servers.map((s) => s.snapshot()));
    serversCpu = final.reduce(
      (sum, s, i) =>
        sum + s.userMicros + s.systemMicros - initial[i]!.userMicros - initial[i]!.systemMicros,
      0,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    redis?.stop();
  }
  const runnerCpu = process.cpuUsage(runnerBefore);
  const machineAfter = machineCpu();
  const httpSeconds = (Date.now() - started) / 1000;
  const otherLoadCores =
    machineBefore && machineAfter
      ? Math.max(
          0,
          machineAfter.busyMicros -
            machineBefore.busyMicros -
            serversCpu -
            runnerCpu.user -
            runnerCpu.system,
        ) /
        (httpSeconds * 1e6)
      : undefined;

  if (!skip.has('guard')) runSideScript('guard-overhead.js', ['--expose-gc']);
  if (!skip.has('tokens')) runSideScript('tokens.js');
  if (!skip.has('memory')) runSideScript('memory.js', ['--expose-gc']);
  if (!skip.has('transports')) runSideScript('transports.js');
  if (!skip.has('scale')) runSideScript('scale.js', ['--expose-gc']);

  const memory = readResult<MemoryResult>('memory');
  const guard = readResult<GuardResult>('guard');
  const transports = readResult<TransportsResult>('transports');
  const report: RunReport = {
    date: new Date(),
    started: new Date(started),
    seconds: (Date.now() - started) / 1000,
    config,
    machine: machineInfo(),
    versions: packageVersions(),
    otherLoadCores,
    loadAverage: os.loadavg(),
    runs,
    checks: checkTargets(runs, memory, guard, transports),
    tokens: readResult<TokensResult>('tokens'),
    memory,
    guard,
    transports,
    scale: readResult<ScaleResult>('scale'),
  };
  writeResult('http', {
    date: report.date,
    config,
    runs: runs.map((r) => ({
      adapter: r.adapter,
      routes: r.routes,
      samples: Object.fromEntries(
        [...r.samples].map(([id, list]) => [
          id,
          list.map(({ latenciesMs: _latencies, ...rest }) => rest),
        ]),
      ),
    })),
  });
  const out = config.out ?? join(process.cwd(), 'bench', 'RESULTS.md');
  // The chart goes beside the report, where its Markdown image link points.
  const chart = join(dirname(out), CHART_FILE);
  writeFileSync(out, renderMarkdown(report));
  writeFileSync(chart, renderChart(report));
  process.stdout.write(`${renderSummary(report)}\n\nbench: wrote ${out} and ${chart}\n`);
}

process.on('SIGINT', () => {
  killAllServers();
  process.exit(130);
});

main().catch((error: unknown) => {
  log(`bench: ${(error as Error)?.stack ?? String(error)}`);
  killAllServers();
  process.exit(1);
});
