import { Module, type INestApplication, type ModuleMetadata, type Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { HttpClient } from './http.js';

/** The HTTP adapters every e2e spec runs on. */
export const adapters = ['express', 'fastify'] as const;
export type AdapterName = (typeof adapters)[number];

/** A running app on a loopback port, and a client for it (`get`, `post`, `send`…). */
export class RunningApp extends HttpClient {
  constructor(
    readonly app: INestApplication,
    url: string,
  ) {
    super(url);
  }

  close(): Promise<void> {
    return this.app.close();
  }
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
  return new RunningApp(app, `http://127.0.0.1:${address.port}`);
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
