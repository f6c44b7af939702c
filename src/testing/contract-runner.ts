/** What the contract suites assert with: the part of `expect(value)` they use. */
export interface ContractExpectation {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toBeUndefined(): void;
  toHaveLength(length: number): void;
  toThrow(expected?: unknown): void;
  /** The same assertions, on what a promise resolves to. */
  readonly resolves: ContractAsyncExpectation;
  /** The same assertions, on why a promise rejects. */
  readonly rejects: ContractAsyncExpectation;
}

/** {@link ContractExpectation} on a promise: each assertion is awaited. */
export type ContractAsyncExpectation = {
  [K in keyof Omit<ContractExpectation, 'resolves' | 'rejects'>]: (
    ...args: Parameters<ContractExpectation[K]>
  ) => Promise<void>;
};

type Hook = (fn: () => unknown) => void;

/**
 * The test runner the store contract suites register their tests with. The suites import no test
 * framework themselves, so `nestjs-gatehouse/testing` loads in any project: hand them Vitest's
 * (`import * as vitest from 'vitest'`) or Jest's (`import * as jest from '@jest/globals'`)
 * functions.
 *
 * @example
 * import * as vitest from 'vitest';
 * import { apiKeyStoreContract } from 'nestjs-gatehouse/testing';
 * import { SqlApiKeyStore } from './sql-api-key.store.js';
 *
 * apiKeyStoreContract('SqlApiKeyStore', async () => ({ store: new SqlApiKeyStore() }), vitest);
 */
export interface ContractRunner {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => unknown): unknown;
  expect(actual: unknown): ContractExpectation;
  beforeAll: Hook;
  afterAll: Hook;
  beforeEach: Hook;
  afterEach: Hook;
}
