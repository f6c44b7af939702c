import { expect } from 'vitest';
import type { TokenPair } from 'nestjs-gatehouse';
import type { HttpClient } from './http.js';

/**
 * `POST /auth/login` on a JWT test app (test/apps/jwt.app.ts), which issues a pair to any
 * username; `extra` goes into the body (`claims`, `scopes`). Expects 200 and returns the pair.
 */
export async function loginPair(
  app: HttpClient,
  username = 'alice',
  extra: Record<string, unknown> = {},
): Promise<TokenPair> {
  const res = await app.post('/auth/login', { username, ...extra });
  expect(res.status).toBe(200);
  return (await res.json()) as TokenPair;
}
