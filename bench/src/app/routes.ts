import { randomBytes } from 'node:crypto';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { ApiKeyService, configureSessions, TokenService } from 'nestjs-gatehouse';
import type { GraphQLRoute, RouteInfo } from '../protocol.js';
import { BenchKeys, userId } from './bench-keys.js';
import { BenchIdentityProvider } from './bench-idp.js';
import {
  BenchModule,
  OidcAppModule,
  RedisJwtAppModule,
  RedisSessionAppModule,
  SessionAppModule,
  UncachedJwtAppModule,
  UncachedOidcAppModule,
} from './bench.module.js';
import { RecipeApiKeys } from './recipes.js';
import { GraphQLAppModule } from './transports.module.js';

/** A served route: what the runner is told, and how to make `count` distinct credentials. */
export interface ServedRoute extends Omit<RouteInfo, 'port'> {
  credentials(app: INestApplication, count: number): Promise<Record<string, string>[]>;
}

/** One Nest application of a server process, with its own port. */
export interface BenchApp {
  readonly name: string;
  readonly module: Type<unknown> | DynamicModule;
  /** Runs between creation and `listen` (middleware). */
  readonly setup?: (app: INestApplication) => Promise<void>;
  readonly routes: readonly ServedRoute[];
}

const bearer = (tokens: string[]) => tokens.map((t) => ({ authorization: `Bearer ${t}` }));
const recipeTokens = async (app: INestApplication, count: number) =>
  bearer(app.get(BenchKeys).mintRecipeTokens(count));

/** Access tokens from the application's own `TokenService`, for 100 users. */
async function libraryTokens(app: INestApplication, count: number) {
  const tokens = app.get(TokenService, { strict: false });
  const list: string[] = [];
  for (let i = 0; i < count; i++) list.push(await tokens.issueAccessToken(userId(i)));
  return bearer(list);
}

/** RS256 access tokens of the bench identity provider, for 100 users. */
const idpTokens = async (app: INestApplication, count: number) =>
  bearer(app.get(BenchIdentityProvider).mint(count));

/** Session cookies from the application's bench login route, for 100 users. */
async function sessionCookies(app: INestApplication, count: number) {
  const url = await app.getUrl();
  const headers: Record<string, string>[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/bench/session-login?user=${userId(i)}`, {
      method: 'POST',
    });
    const cookie = response.headers.get('set-cookie')?.split(';')[0];
    if (response.status !== 204 || !cookie) {
      throw new Error(`session login failed: ${response.status}`);
    }
    headers.push({ cookie });
  }
  return headers;
}

/** A GraphQL route's request of the one-field query `field`, answered `"ok"`. */
const graphqlQuery = (field: string, anonymousCode: string | null): GraphQLRoute => ({
  body: JSON.stringify({ query: `{ ${field} }` }),
  success: JSON.stringify({ data: { [field]: 'ok' } }) + '\n',
  anonymousCode,
});

const trivialUser = async (_app: INestApplication, count: number) =>
  Array.from({ length: count }, (_, i) => ({ 'x-bench-user': userId(i) }));

/**
 * Every application and route of a server process. The main application holds everything that
 * can share one configuration; routes that need another module configuration (revocation store,
 * cache size) or global middleware (sessions) get an application of their own in the same
 * process, so the process's CPU time still covers them.
 */
export function benchApps(env: { redisUrl?: string; idp: BenchIdentityProvider }): BenchApp[] {
  const apps: BenchApp[] = [
    {
      name: 'main',
      module: BenchModule,
      routes: [
        {
          id: 'unguarded',
          path: '/unguarded',
          label: 'unguarded (no guard; the requests still carry a bearer token)',
          group: 'baseline',
          anonymousStatus: 200,
          credentials: recipeTokens,
        },
        {
          id: 'floor',
          path: '/floor',
          label:
            'floor: hand-written HS256 guard (node:crypto HMAC, timingSafeEqual, JSON.parse, exp)',
          group: 'floor',
          anonymousStatus: 401,
          credentials: recipeTokens,
        },
        {
          id: 'passport-jwt',
          path: '/recipe/passport-jwt',
          label: "canonical: @nestjs/passport AuthGuard('jwt') + passport-jwt, string secret",
          group: 'recipe',
          anonymousStatus: 401,
          credentials: recipeTokens,
        },
        {
          id: 'passport-jwt-keyobject',
          path: '/recipe/passport-jwt-keyobject',
          label: 'fair recipe: the same, passport-jwt given a KeyObject',
          group: 'recipe',
          anonymousStatus: 401,
          credentials: recipeTokens,
        },
        {
          id: 'nestjs-jwt',
          path: '/recipe/nestjs-jwt',
          label: '@nestjs/jwt recipe guard (JwtService.verifyAsync, string secret)',
          group: 'recipe',
          anonymousStatus: 401,
          credentials: recipeTokens,
        },
        {
          id: 'passport-apikey',
          path: '/recipe/passport-apikey',
          label: "API-key recipe: @nestjs/passport AuthGuard('api-key') + passport-headerapikey",
          group: 'recipe',
          anonymousStatus: 401,
          credentials: async (app, count) => {
            const owners = app.get(RecipeApiKeys).owners;
            const headers: Record<string, string>[] = [];
            for (let i = 0; i < count; i++) {
              const key = randomBytes(24).toString('base64url');
              owners.set(key, { userId: userId(i) });
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
          credentials: trivialUser,
        },
        {
          id: 'gatehouse-trivial-permission',
          path: '/gatehouse/trivial-permission',
          label: "gatehouse guard + trivial backend + @HasPermission('reports:read')",
          group: 'library',
          anonymousStatus: 401,
          credentials: trivialUser,
        },
        {
          id: 'gatehouse-jwt',
          path: '/gatehouse/jwt',
          label: 'gatehouse JwtBackend (HS256, iss/aud, in-memory revocation store)',
          group: 'library',
          anonymousStatus: 401,
          credentials: libraryTokens,
        },
        {
          id: 'gatehouse-jwt-permission',
          path: '/gatehouse/jwt-permission',
          label: "gatehouse JwtBackend + @HasPermission('reports:read')",
          group: 'library',
          anonymousStatus: 401,
          credentials: libraryTokens,
        },
        {
          id: 'gatehouse-apikey',
          path: '/gatehouse/apikey',
          label: 'gatehouse ApiKeyBackend (X-API-Key, SHA-256, in-memory key store)',
          group: 'library',
          anonymousStatus: 401,
          credentials: async (app, count) => {
            const keys = app.get(ApiKeyService, { strict: false });
            const headers: Record<string, string>[] = [];
            for (let i = 0; i < count; i++) {
              const { key } = await keys.create({ owner: userId(i), name: `bench ${i}` });
              headers.push({ 'x-api-key': key });
            }
            return headers;
          },
        },
      ],
    },
    {
      name: 'jwt-uncached',
      module: UncachedJwtAppModule,
      routes: [
        {
          id: 'gatehouse-jwt-uncached',
          path: '/gatehouse/jwt-uncached',
          label: 'gatehouse JwtBackend with verifiedTokenCacheSize: 0 (full verify every request)',
          group: 'library',
          anonymousStatus: 401,
          credentials: libraryTokens,
        },
      ],
    },
    {
      name: 'session',
      module: SessionAppModule,
      setup: configureSessions,
      routes: [
        {
          id: 'gatehouse-session',
          path: '/gatehouse/session',
          label:
            'gatehouse SessionBackend (signed cookie, in-memory store; own app with the middleware)',
          group: 'library',
          anonymousStatus: 401,
          credentials: sessionCookies,
        },
      ],
    },
    {
      name: 'graphql',
      module: GraphQLAppModule,
      routes: [
        {
          id: 'graphql-unguarded',
          path: '/graphql',
          label: 'GraphQL query `{ open }` (Apollo at POST /graphql, async resolver, no guard)',
          group: 'baseline',
          anonymousStatus: 200,
          graphql: graphqlQuery('open', null),
          credentials: libraryTokens,
        },
        {
          id: 'graphql-jwt',
          path: '/graphql',
          label: 'GraphQL query `{ guarded }`: the same resolver behind the guard, JwtBackend',
          group: 'library',
          anonymousStatus: 200,
          graphql: graphqlQuery('guarded', 'UNAUTHENTICATED'),
          credentials: libraryTokens,
        },
      ],
    },
  ];
  apps.push(
    {
      name: 'oidc',
      module: OidcAppModule.forRoot(env.idp),
      routes: [
        {
          id: 'passport-jwks-rsa',
          path: '/recipe/passport-jwks-rsa',
          label:
            "Auth0 recipe: @nestjs/passport AuthGuard('jwks-rsa') + passport-jwt + jwks-rsa passportJwtSecret (RS256, cached JWKS)",
          group: 'recipe',
          anonymousStatus: 401,
          credentials: idpTokens,
        },
        {
          id: 'gatehouse-oidc',
          path: '/gatehouse/oidc',
          label:
            'gatehouse OidcBackend (RS256 from a discovered JWKS, iss/aud/typ, default settings)',
          group: 'library',
          anonymousStatus: 401,
          credentials: idpTokens,
        },
      ],
    },
    {
      name: 'oidc-uncached',
      module: UncachedOidcAppModule.forRoot(env.idp),
      routes: [
        {
          id: 'gatehouse-oidc-uncached',
          path: '/gatehouse/oidc-uncached',
          label:
            'gatehouse OidcBackend with verifiedTokenCacheSize: 0 (RS256 verify every request)',
          group: 'library',
          anonymousStatus: 401,
          credentials: idpTokens,
        },
      ],
    },
  );
  if (env.redisUrl) {
    apps.push({
      name: 'jwt-redis',
      module: RedisJwtAppModule.forRoot(env.redisUrl),
      routes: [
        {
          id: 'gatehouse-jwt-redis',
          path: '/gatehouse/jwt-redis',
          label: 'gatehouse JwtBackend with RedisRevocationStore (local redis-server)',
          group: 'library',
          anonymousStatus: 401,
          credentials: libraryTokens,
        },
      ],
    });
    apps.push({
      name: 'session-redis',
      module: RedisSessionAppModule.forRoot(env.redisUrl),
      setup: configureSessions,
      routes: [
        {
          id: 'gatehouse-session-redis',
          path: '/gatehouse/session-redis',
          label: 'gatehouse SessionBackend with RedisSessionStore (local redis-server)',
          group: 'library',
          anonymousStatus: 401,
          credentials: sessionCookies,
        },
      ],
    });
  }
  return apps;
}
