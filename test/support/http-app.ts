import { Module, type INestApplication, type ModuleMetadata, type Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';

/** The HTTP adapters every e2e spec runs on. */
export const adapters = ['express', 'fastify'] as const;
export type AdapterName = (typeof adapters)[number];

/** A running app on a loopback port, and a `fetch` bound to it. */
export interface RunningApp {
  app: INestApplication;
  url: string;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Compiles `module` (after `configure` has had its say on the builder), starts it on the given
 * adapter on 127.0.0.1 with a free port, and returns a client for it.
 */
export async function startApp(
  adapter: AdapterName,
  module: Type<unknown>,
  configure: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
  setup: (app: INestApplication) => void | Promise<void> = () => undefined,
): Promise<RunningApp> {
  const moduleRef = await configure(Test.createTestingModule({ imports: [module] })).compile();
  const app = moduleRef.createNestApplication(
    adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false },
  );
  await setup(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    request: (path, init) => fetch(url + path, init),
    close: () => app.close(),
  };
}

/**
 * Compiles a module of `imports` and `controllers` into an application, runs its bootstrap hooks
 * without listening, and closes it again: for specs of what the start refuses.
 */
export async function bootAndClose(
  imports: ModuleMetadata['imports'],
  controllers: Type<unknown>[] = [],
): Promise<void> {
  @Module({ imports, controllers })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close();
  }
}

/** Reads a response body as JSON, or as text when it is not JSON. */
export async function body(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The only bodies an auth failure may have. */
export const GENERIC_BODIES = {
  401: { statusCode: 401, message: 'Unauthorized' },
  403: { statusCode: 403, message: 'Forbidden' },
  503: { statusCode: 503, message: 'Service Unavailable' },
} as const;

/** Asserts-friendly: the status and parsed body of a response. */
export async function statusAndBody(response: Response): Promise<[number, unknown]> {
  return [response.status, await body(response)];
}
