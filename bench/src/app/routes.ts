import type { RouteInfo } from '../protocol.js';
import { BenchKeys, userId } from './bench-keys.js';
import { RecipeApiKeys } from './recipes.js';
import { randomBytes } from 'node:crypto';

/** What the server needs to produce credentials for its routes. */
export interface CredentialSources {
  readonly keys: BenchKeys;
  readonly recipeApiKeys: RecipeApiKeys;
}

/** A served route: what the runner is told, and how to make `count` distinct credentials. */
export interface ServedRoute extends RouteInfo {
  credentials(sources: CredentialSources, count: number): Promise<Record<string, string>[]>;
}

const bearer = (tokens: string[]) => tokens.map((t) => ({ authorization: `Bearer ${t}` }));

/**
 * The routes that need nothing beyond the core library. The library's JWT, API-key and session
 * routes join this list as those features land.
 */
export const CORE_ROUTES: readonly ServedRoute[] = [
  {
    id: 'unguarded',
    path: '/unguarded',
    label: 'unguarded (no guard; the requests still carry a bearer token)',
    group: 'baseline',
    anonymousStatus: 200,
    credentials: async ({ keys }, count) => bearer(keys.mintRecipeTokens(count)),
  },
  {
    id: 'floor',
    path: '/floor',
    label: 'floor: hand-written HS256 guard (node:crypto HMAC, timingSafeEqual, JSON.parse, exp)',
    group: 'floor',
    anonymousStatus: 401,
    credentials: async ({ keys }, count) => bearer(keys.mintRecipeTokens(count)),
  },
  {
    id: 'passport-jwt',
    path: '/recipe/passport-jwt',
    label: "canonical: @nestjs/passport AuthGuard('jwt') + passport-jwt, string secret",
    group: 'recipe',
    anonymousStatus: 401,
    credentials: async ({ keys }, count) => bearer(keys.mintRecipeTokens(count)),
  },
  {
    id: 'passport-jwt-keyobject',
    path: '/recipe/passport-jwt-keyobject',
    label: 'fair recipe: the same, passport-jwt given a KeyObject',
    group: 'recipe',
    anonymousStatus: 401,
    credentials: async ({ keys }, count) => bearer(keys.mintRecipeTokens(count)),
  },
  {
    id: 'nestjs-jwt',
    path: '/recipe/nestjs-jwt',
    label: '@nestjs/jwt recipe guard (JwtService.verifyAsync, string secret)',
    group: 'recipe',
    anonymousStatus: 401,
    credentials: async ({ keys }, count) => bearer(keys.mintRecipeTokens(count)),
  },
  {
    id: 'passport-apikey',
    path: '/recipe/passport-apikey',
    label: "API-key recipe: @nestjs/passport AuthGuard('api-key') + passport-headerapikey",
    group: 'recipe',
    anonymousStatus: 401,
    credentials: async ({ recipeApiKeys }, count) => {
      const headers: Record<string, string>[] = [];
      for (let i = 0; i < count; i++) {
        const key = randomBytes(24).toString('base64url');
        recipeApiKeys.owners.set(key, { userId: userId(i) });
        headers.push({ 'x-api-key': key });
      }
      return headers;
    },
  },
  {
    id: 'gatehouse-trivial',
    path: '/gatehouse/trivial',
    label: 'gatehouse guard + trivial custom backend (the guard’s own cost)',
    group: 'library',
    anonymousStatus: 401,
    credentials: async (_sources, count) =>
      Array.from({ length: count }, (_, i) => ({ 'x-bench-user': userId(i) })),
  },
  {
    id: 'gatehouse-trivial-permission',
    path: '/gatehouse/trivial-permission',
    label: "gatehouse guard + trivial backend + @HasPermission('reports:read')",
    group: 'library',
    anonymousStatus: 401,
    credentials: async (_sources, count) =>
      Array.from({ length: count }, (_, i) => ({ 'x-bench-user': userId(i) })),
  },
];
