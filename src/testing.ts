/**
 * Helpers for your own e2e tests: send requests as a given user, or as anonymous, without real
 * credentials, while every other part of the guard (backend restrictions, freshness, role
 * hierarchy, scopes and permission checks) keeps working.
 *
 * @example
 * const auth = new AuthTesting();
 * const moduleRef = await auth.install(Test.createTestingModule({ imports: [AppModule] })).compile();
 * const app = moduleRef.createNestApplication();
 * await app.listen(0);
 * await fetch(`${await app.getUrl()}/reports`, {
 *   headers: auth.as(new SimpleUser({ identity: 'u1', roles: ['admin'] })),
 * });
 */
export {
  AuthTesting,
  TestAuthBackend,
  type OverridableBuilder,
  type TestCredential,
} from './testing/auth-testing.js';
export { FakeClock } from './testing/fake-clock.js';
