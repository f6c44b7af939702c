/**
 * Helpers for your own tests. `AuthTesting` sends requests as a given user, or as anonymous,
 * without real credentials, while every other part of the guard (backend restrictions,
 * freshness, role hierarchy, scopes and permission checks) keeps working. The store contract
 * suites (`apiKeyStoreContract`, `revocationStoreContract`, `sessionStoreContract`,
 * `loginThrottleStoreContract`) check your own stores; they take your test runner's functions, so this entry imports no test framework.
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

// Contract suites for your own stores: register them with your test runner's functions.
export type {
  ContractAsyncExpectation,
  ContractExpectation,
  ContractRunner,
} from './testing/contract-runner.js';
export {
  apiKeyStoreContract,
  sampleRecord,
  type ApiKeyStoreFixture,
} from './testing/api-key-store.contract.js';
export {
  revocationStoreContract,
  type RevocationStoreHarness,
} from './testing/revocation-store.contract.js';
export { sessionStoreContract } from './testing/session-store.contract.js';
export {
  loginThrottleStoreContract,
  type LoginThrottleStoreHarness,
} from './testing/login-throttle-store.contract.js';
