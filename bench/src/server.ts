/**
 * One benchmark server: every route on one adapter, in this process, on 127.0.0.1. The runner
 * forks it and talks to it over the IPC channel: it asks for CPU/request counters before and
 * after each sample, and for credentials. Nothing else runs here, so the process's CPU time is
 * the cost of serving the requests.
 *
 * Most routes live in one Nest application; the few that need a module configuration of their
 * own (another revocation store, the cache off) or global middleware (sessions) run as further
 * applications in this same process, each on its own port.
 *
 *   node bench/dist/server.js express|fastify     (REDIS_URL adds the Redis revocation route)
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BenchIdentityProvider } from './app/bench-idp.js';
import { benchApps, type ServedRoute } from './app/routes.js';
import type { FromServer, RouteInfo, ServerSnapshot, ToServer } from './protocol.js';

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
  const apps: INestApplication[] = [];
  const routes: { info: RouteInfo; served: ServedRoute; app: INestApplication }[] = [];
  let requests = 0;
  const count = () => {
    requests++;
  };

  // The OIDC routes' identity provider: in this process too, so its (one-off) key fetches are
  // charged like the rest; after start-up it serves nothing.
  const idp = await BenchIdentityProvider.start();
  for (const definition of benchApps({ redisUrl: process.env.REDIS_URL || undefined, idp })) {
    const app: INestApplication = await NestFactory.create(
      definition.module,
      adapterName === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
      // What a production app logs: errors and warnings. Nothing per request.
      { logger: ['error', 'warn'] },
    );
    await definition.setup?.(app);
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    const server = app.getHttpServer() as Server;
    // One more 'request' listener costs every route the same few nanoseconds, and it counts
    // requests the load generator gave up on at the end of a sample too.
    server.on('request', count);
    const port = (server.address() as { port: number }).port;
    for (const served of definition.routes) {
      const { id, path, label, group, anonymousStatus, graphql } = served;
      routes.push({
        info: { id, port, path, label, group, anonymousStatus, graphql },
        served,
        app,
      });
    }
  }

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

  const closeAll = () => Promise.allSettled([...apps.map((app) => app.close()), idp.close()]);

  process.on('message', (raw) => {
    const message = raw as ToServer;
    switch (message.type) {
      case 'snapshot':
        send({ type: 'snapshot', id: message.id, snapshot: snapshot() });
        break;
      case 'credentials': {
        const route = routes.find((r) => r.info.id === message.route);
        if (!route) {
          send({ type: 'error', id: message.id, message: `no route ${message.route}` });
          break;
        }
        route.served.credentials(route.app, message.count).then(
          (headers) => send({ type: 'credentials', id: message.id, headers }),
          (error: unknown) =>
            send({ type: 'error', id: message.id, message: String((error as Error)?.stack) }),
        );
        break;
      }
      case 'stop':
        void closeAll().finally(() => process.exit(0));
        break;
    }
  });
  // The runner's death must not leave a server behind.
  process.on('disconnect', () => process.exit(0));

  send({ type: 'ready', routes: routes.map((r) => r.info) });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: String((error as Error)?.stack ?? error) });
  process.exit(1);
});
