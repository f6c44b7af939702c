import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configureSessions } from 'nestjs-gatehouse';
import { GatehouseWsAdapter } from 'nestjs-gatehouse/ws';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { useJsonBodyParser } from './common/json-body.js';
import { assertConfigUsable } from './config/load-config.js';
import { SqliteDatabase } from './database/sqlite.database.js';
import { setupSwagger } from './docs/swagger.js';
import { OutboxMailer } from './mail/outbox.mailer.js';
import { Mailer } from './mail/mailer.js';
import { RedisConnection } from './redis/redis.connection.js';
import { AccountsService } from './users/accounts.service.js';

/** Largest JSON body accepted; anything bigger is refused with 413 before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;

/** A started sample app. */
export interface SampleApp {
  readonly app: INestApplication;
  /** `http://host:port`, with the port actually bound (useful with `port: 0`). */
  readonly url: string;
  /** Stops listening and closes the database and Redis connections. */
  close(): Promise<void>;
}

/**
 * Builds the sample app from `config` and starts listening. Used by `main.ts` and, in process,
 * by the e2e specs (with `port: 0` and a temporary database file).
 */
export async function createApp(config: AppConfig): Promise<SampleApp> {
  assertConfigUsable(config);
  // One proxy hop is believed when TRUST_PROXY is on: the address the proxy appended last.
  const adapter =
    config.httpAdapter === 'fastify'
      ? new FastifyAdapter({
          trustProxy: config.trustProxy ? (_address: string, hop: number) => hop < 1 : false,
          bodyLimit: BODY_LIMIT_BYTES,
        })
      : new ExpressAdapter();
  const app = await NestFactory.create(AppModule.register(config), adapter, {
    logger:
      config.logger === undefined
        ? undefined
        : config.logger === false
          ? false
          : [...config.logger],
    bodyParser: config.httpAdapter === 'fastify',
  });
  useJsonBodyParser(app, config.httpAdapter, BODY_LIMIT_BYTES);
  if (config.httpAdapter === 'express') {
    const express = app as NestExpressApplication;
    express.set('trust proxy', config.trustProxy ? 1 : false);
    express.disable('x-powered-by');
  }
  await configureSessions(app);
  // The WebSocket endpoint /ws: upgrades are authenticated, every message is checked again.
  app.useWebSocketAdapter(new GatehouseWsAdapter(app));
  setupSwagger(app);
  try {
    await app.get(RedisConnection).ready();
    await app.listen(config.port, config.host);
  } catch (error) {
    // A start refused at bootstrap (say, a provider naming another issuer) still closes the
    // database and connections opened so far.
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`;
  logStartup(app, config, url);
  return { app, url, close: () => app.close() };
}

function logStartup(app: INestApplication, config: AppConfig, url: string): void {
  const logger = new Logger('SampleApp');
  logger.log(`listening on ${url} (${config.httpAdapter}); API docs at ${url}/docs`);
  logger.log(
    `GraphQL at ${url}/graphql (subscriptions over graphql-ws), WebSocket at ${url.replace(/^http/, 'ws')}/ws`,
  );
  const db = app.get(SqliteDatabase);
  logger.log(`database: ${db.location} (schema version ${db.schemaVersion})`);
  logger.log(
    config.redisUrl
      ? `store: redis at ${redactUrl(config.redisUrl)} (revocations, sessions and login throttling shared by every instance)`
      : 'store: memory (revocations, sessions and login throttling live in this process; set REDIS_URL to share them)',
  );
  if (config.oidc !== undefined) {
    logger.log(
      `identity provider: access tokens of ${config.oidc.issuer} for ${config.oidc.audience} (backend oidc)`,
    );
  }
  if (config.sessionCookieSecure === false) {
    logger.warn(
      'session cookies are sent without Secure (SESSION_COOKIE_SECURE=false): development only',
    );
  } else if (!config.trustProxy) {
    logger.log(
      'session cookies are Secure: browsers keep them over HTTPS and on loopback (http://127.0.0.1, http://localhost); behind a TLS-terminating proxy, set TRUST_PROXY=true',
    );
  }
  const mailer = app.get(Mailer);
  if (mailer instanceof OutboxMailer) logger.log(`mail outbox: ${mailer.directory}`);
  const admin = app.get(AccountsService).adminStatus;
  if (admin === 'created') logger.log(`admin "${config.admin!.username}" created from ADMIN_*`);
  else if (admin === 'exists') logger.log(`admin "${config.admin!.username}" already exists`);
  else {
    logger.log(
      'no admin configured: to create the first admin, start with ADMIN_USERNAME, ADMIN_PASSWORD and ADMIN_EMAIL set',
    );
  }
}

/** The URL without its password, for logs. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}
