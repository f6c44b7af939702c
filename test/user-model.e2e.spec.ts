import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserModelAppModule } from './apps/user-model.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { body, GENERIC_BODIES } from './support/http.js';

describe.each(adapters)('what the user model returns (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(adapter, UserModelAppModule);
  });
  afterAll(() => app.close());

  const as = (identity: string, path = '/protected') => app.get(path, { 'x-user': identity });

  it('a real user opens the protected route', async () => {
    const res = await as('alice');
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ identity: 'alice' });
  });

  it.each(['disabled', 'constructor', 'toString', 'forgot-null'])(
    'anything but an authenticated user ("%s") is 401 on a protected route, never a pass',
    async (identity) => {
      const res = await as(identity);
      expect(res.status).toBe(401);
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
    },
  );

  it.each(['disabled', 'constructor', 'forgot-null'])(
    'and leaves a public route anonymous ("%s")',
    async (identity) => {
      const res = await as(identity, '/public');
      expect(res.status).toBe(200);
      expect(await body(res)).toEqual({ identity: '', authenticated: false });
    },
  );
});
