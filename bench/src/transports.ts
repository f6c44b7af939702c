/**
 * The guard on the other transports, in-process:
 *
 * - GraphQL: one Apollo operation `{ guarded }` (the guard with a cached JWT) against `{ open }`
 *   (the same resolver, no guard), both through Apollo's whole pipeline (`executeOperation`)
 *   with the same bearer header, in alternating batches; the ratio is the median of per-round
 *   ratios of CPU time per operation. Target ≥ 0.9×.
 * - WebSocket: the check every message of an open socket gets (`AuthGuard.canActivate` on the
 *   gateway's execution context of a socket the real `GatehouseWsAdapter` accepted), CPU ns per
 *   message (contexts pre-built, as in bench:guard). Target ≤ 2 µs.
 *
 *   node bench/run.mjs transports    (TRANSPORTS_SECONDS=0.5 per case and round, TRANSPORTS_ROUNDS=5)
 */
import 'reflect-metadata';
import type { ExecutionContext } from '@nestjs/common';
import { getApolloServer } from '@nestjs/apollo';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard, TokenService } from 'nestjs-gatehouse';
import { GatehouseWsAdapter } from 'nestjs-gatehouse/ws';
import WebSocket from 'ws';
import { userId } from './app/bench-keys.js';
import { BenchGateway, TransportsBenchModule } from './app/transports.module.js';
import { writeResult, type TransportsResult } from './results.js';
import { fmt, median } from './stats.js';

const SECONDS = Number(process.env.TRANSPORTS_SECONDS ?? 0.5);
const ROUNDS = Number(process.env.TRANSPORTS_ROUNDS ?? 5);
const POOL = 1000;

/** CPU time of this process, in ns: less disturbed by other processes than the wall clock. */
function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/**
 * Runs the cases in alternating batches of 100 calls for `SECONDS`, so each pair is measured
 * back to back under the same load; returns the CPU ns per call of each case.
 */
async function alternate(cases: readonly ((i: number) => Promise<unknown>)[]): Promise<number[]> {
  const spent = cases.map(() => 0);
  const calls = cases.map(() => 0);
  const limit = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < limit) {
    for (const [index, call] of cases.entries()) {
      const start = cpuNs();
      for (let k = 0; k < 100; k++) await call(calls[index]! + k);
      spent[index]! += cpuNs() - start;
      calls[index]! += 100;
    }
  }
  return spent.map((ns, index) => ns / calls[index]!);
}

async function main(): Promise<void> {
  const app = await NestFactory.create(TransportsBenchModule, new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  app.useWebSocketAdapter(new GatehouseWsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const tokens = app.get(TokenService);
  const headers: Record<string, string>[] = [];
  for (let i = 0; i < POOL; i++) {
    const token = await tokens.issueAccessToken(userId(i));
    headers.push({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  }

  // GraphQL through Apollo, without HTTP: the HTTP layer would cost both queries the same.
  const apollo = getApolloServer(app);
  const operation = (query: string) => async (i: number) => {
    const req = { headers: headers[i % POOL]!, method: 'POST', url: '/graphql', ip: '127.0.0.1' };
    const response = await apollo.executeOperation({ query }, { contextValue: { req } });
    const body = response.body as { kind: string; singleResult?: { errors?: unknown } };
    if (body.kind !== 'single' || body.singleResult?.errors) throw new Error(`${query} failed`);
  };
  const open = operation('{ open }');
  const guarded = operation('{ guarded }');
  const passed = operation('{ passed }');

  // One open WebSocket, accepted by the real adapter; then its messages' check, in-process.
  const client = new WebSocket(`ws://127.0.0.1:${port}/bench`, { headers: headers[0] });
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  const gateway = app.get(BenchGateway);
  while (gateway.socket === undefined) await new Promise((resolve) => setImmediate(resolve));
  const guard = app.get(AuthGuard);
  const handler = BenchGateway.prototype.ping;
  // Pre-built, as in bench:guard: Nest makes one context per message, the guard's cost is the rest.
  const messages: ExecutionContext[] = Array.from({ length: POOL }, () => {
    const host = new ExecutionContextHost(
      [gateway.socket, undefined, 'ping'],
      BenchGateway,
      handler,
    );
    host.setType('ws');
    return host;
  });
  const check = async (i: number) => {
    if (!(await guard.canActivate(messages[i % POOL]!))) throw new Error('message refused');
  };

  const samples = {
    open: [] as number[],
    guarded: [] as number[],
    passed: [] as number[],
    ratio: [] as number[],
    ws: [] as number[],
  };
  // Round 0 warms up.
  for (let round = 0; round <= ROUNDS; round++) {
    const [openNs, guardedNs, passedNs] = await alternate([open, guarded, passed]);
    const [wsNs] = await alternate([check]);
    if (round === 0) continue;
    samples.open.push(openNs!);
    samples.guarded.push(guardedNs!);
    samples.passed.push(passedNs!);
    samples.ratio.push(openNs! / guardedNs!);
    samples.ws.push(wsNs!);
  }
  client.close();
  await app.close();

  const result: TransportsResult = {
    date: new Date().toISOString(),
    graphql: {
      openNsPerOperation: median(samples.open),
      guardedNsPerOperation: median(samples.guarded),
      passedNsPerOperation: median(samples.passed),
      ratio: median(samples.ratio),
      ratioMin: Math.min(...samples.ratio),
      ratioMax: Math.max(...samples.ratio),
    },
    wsMessageNs: median(samples.ws),
  };
  process.stderr.write(
    `transports: GraphQL { open } ${fmt(result.graphql.openNsPerOperation / 1000)} µs, { guarded } ${fmt(result.graphql.guardedNsPerOperation / 1000)} µs, { passed } ${fmt(result.graphql.passedNsPerOperation / 1000)} µs, ratio ${fmt(result.graphql.ratio, 3)}×\n` +
      `transports: WebSocket per-message check ${fmt(result.wsMessageNs, 0)} ns\n`,
  );
  process.stderr.write(`transports: wrote ${writeResult('transports', result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
