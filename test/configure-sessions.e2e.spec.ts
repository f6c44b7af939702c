import { describe, expect, it } from 'vitest';
import { AuthConfigurationError, configureSessions } from 'nestjs-gatehouse';
import { sessionApp } from './apps/session.app.js';
import { adapters, startApp } from './support/http-app.js';

describe.each(adapters)('configureSessions (%s)', (adapter) => {
  it('is required: an app that forgot it fails to start', async () => {
    const error = await startApp(adapter, sessionApp()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toMatch(/configureSessions\(app\)/);
  });

  it('refuses to run twice', async () => {
    const error = await startApp(adapter, sessionApp(), undefined, async (app) => {
      await configureSessions(app);
      await configureSessions(app);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toMatch(/called twice/);
  });
});
