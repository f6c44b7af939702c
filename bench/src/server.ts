/**
 * One benchmark server: every route on one adapter, in this process, on 127.0.0.1. The runner
 * forks it and talks to it over the IPC channel: it asks for CPU/request counters before and
 * after each sample, and for credentials. Nothing else runs here, so the process's CPU time is
 * the cost of serving the requests.
 *
 *   node bench/dist/server.js express|fastify
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BenchKeys } from './app/bench-keys.js';
import { BenchModule } from './app/bench.module.js';
import { RecipeApiKeys } from './app/recipes.js';
import { CORE_ROUTES, type CredentialSources, type ServedRoute } from './app/routes.js';
import type { FromServer, ServerSnapshot, ToServer } from './protocol.js';

const adapterName = process.argv[2];
if (adapterName !== 'express' && adapterName !== 'fastify') {
  console.error('usage: server.js express|fastify');
  process.exit(2);
}
if (!process.send) {
  console.error('server.js is started by the bench runner (it needs an IPC channel)');
  process.exit(2);
}

function send(message: FromServer): void {
  process.send!(message);
}

async function main(): Promise<void> {
  const app: INestApplication = await NestFactory.create(
    BenchModule,
    adapterName === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    // What a production app logs: errors and warnings. Nothing per request.
    { logger: ['error', 'warn'] },
  );
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as import('node:http').Server;
  let requests = 0;
  // One more 'request' listener costs every route the same few nanoseconds, and it counts
  // requests the load generator gave up on at the end of a sample too.
  server.on('request', () => {
    requests++;
  });

  const routes: ServedRoute[] = [...CORE_ROUTES];
  const sources: CredentialSources = {
    keys: app.get(BenchKeys),
    recipeApiKeys: app.get(RecipeApiKeys),
  };

  const snapshot = (): ServerSnapshot => {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    return {
      userMicros: cpu.user,
      systemMicros: cpu.system,
      requests,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
    };
  };

  process.on('message', (raw) => {
    const message = raw as ToServer;
    switch (message.type) {
      case 'snapshot':
        send({ type: 'snapshot', id: message.id, snapshot: snapshot() });
        break;
      case 'credentials': {
        const route = routes.find((r) => r.id === message.route);
        if (!route) {
          send({ type: 'error', id: message.id, message: `no route ${message.route}` });
          break;
        }
        route.credentials(sources, message.count).then(
          (headers) => send({ type: 'credentials', id: message.id, headers }),
          (error: unknown) =>
            send({ type: 'error', id: message.id, message: String((error as Error)?.stack) }),
        );
        break;
      }
      case 'stop':
        void app.close().finally(() => process.exit(0));
        break;
    }
  });
  // The runner's death must not leave a server behind.
  process.on('disconnect', () => process.exit(0));

  const port = (server.address() as { port: number }).port;
  send({
    type: 'ready',
    port,
    routes: routes.map(({ id, path, label, group, anonymousStatus }) => ({
      id,
      path,
      label,
      group,
      anonymousStatus,
    })),
  });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: String((error as Error)?.stack ?? error) });
  process.exit(1);
});
