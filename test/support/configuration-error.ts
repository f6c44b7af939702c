import { expect } from 'vitest';
import { AuthConfigurationError } from 'nestjs-gatehouse';

/** Expects `build` to throw the bootstrap error naming `option`, with a fix and `problem`. */
export function expectConfigurationError(
  build: () => unknown,
  option: string,
  problem?: RegExp,
): void {
  let caught: unknown;
  try {
    build();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuthConfigurationError);
  const error = caught as AuthConfigurationError;
  expect(error.option).toBe(option);
  expect(error.message).toContain('Fix:');
  if (problem) expect(error.message).toMatch(problem);
}
