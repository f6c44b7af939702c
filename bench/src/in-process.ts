/**
 * Drives the library's guard without HTTP: a Nest application context with the real AuthModule
 * (real DI, backends, user model, permission checker and event sink), and Nest's own
 * `ExecutionContextHost` around a plain request object shaped like the ones the adapters pass.
 * Only the HTTP server and the router are missing, which cost every route the same.
 */
import type {
  DynamicModule,
  ExecutionContext,
  INestApplicationContext,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { AuthGuard, type AuthRequest } from 'nestjs-gatehouse';

export interface GuardHarness {
  readonly app: INestApplicationContext;
  readonly guard: AuthGuard;
  /** The execution context of `controller.prototype[method]` for `request`. */
  context(controller: Type<unknown>, method: string, request: AuthRequest): ExecutionContext;
  close(): Promise<void>;
}

/** A request as Express and Fastify hand it to guards, reduced to what the library reads. */
export function request(headers: Record<string, string>, path = '/bench'): AuthRequest {
  return { headers, method: 'GET', url: path, ip: '127.0.0.1' };
}

const response = {
  header: () => response,
  setHeader: () => response,
};

export async function createGuardHarness(
  module: Type<unknown> | DynamicModule,
): Promise<GuardHarness> {
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  await app.init();
  const guard = app.get(AuthGuard);
  return {
    app,
    guard,
    context(controller, method, req) {
      const handler = (controller.prototype as Record<string, unknown>)[method] as () => unknown;
      const host = new ExecutionContextHost([req, response, undefined], controller, handler);
      host.setType('http');
      return host;
    },
    close: () => app.close(),
  };
}
