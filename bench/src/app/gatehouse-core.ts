/** The library's pieces that the gatehouse routes share. */
import { Injectable } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import {
  AuthBackend,
  AuthModule,
  AuthResults,
  JwtBackend,
  SimpleUser,
  UserModel,
  type AuthModuleOptions,
  type AuthRequest,
  type AuthResult,
} from 'nestjs-gatehouse';
import { BENCH_SECRET, userId } from './bench-keys.js';

/**
 * A backend that does no work: it takes the identity from a header. Routes behind it measure what
 * the guard itself costs (policy lookup, backend call, user load, permissions, request fields,
 * auth event) with no credential check at all.
 */
@Injectable()
export class TrivialBackend extends AuthBackend {
  readonly name = 'trivial';

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    const identity = request.headers['x-bench-user'];
    return typeof identity === 'string'
      ? AuthResults.success(this.name, identity)
      : AuthResults.missing(this.name);
  }
}

/**
 * The users: 100 of them, each with the role `reader`, held in memory, so loading one costs a map
 * lookup, as cheap as the recipes' `validate()` that builds the user from the token.
 */
@Injectable()
export class BenchUsers extends UserModel {
  private readonly users = new Map<string, SimpleUser>();

  constructor() {
    super();
    for (let i = 0; i < 100; i++) {
      const identity = userId(i);
      this.users.set(identity, new SimpleUser({ identity, roles: ['reader'] }));
    }
  }

  // Answered from memory, so not a promise: the guard then waits for nothing.
  loadUser(identity: string): SimpleUser | null {
    return this.users.get(identity) ?? null;
  }
}

/** The role hierarchy of the bench: readers may read reports. */
export const BENCH_ROLES = { reader: { permissions: ['reports:read'] } } as const;

/**
 * The library's JWT settings: HS256 with the bench secret, issuer and audience checked, as the
 * README recommends. Access tokens live an hour, as the recipes' do: a full run outlasts the
 * default 15 minutes, and tokens minted at the start would be refused (401) in the last rounds.
 * Everything else (cache, locations) at its default.
 */
export function benchJwtOptions(
  extra: Partial<NonNullable<AuthModuleOptions['jwt']>> = {},
): NonNullable<AuthModuleOptions['jwt']> {
  return {
    algorithms: ['HS256'],
    secret: BENCH_SECRET,
    issuer: 'bench',
    audience: 'bench',
    accessTokenTtlSeconds: 3600,
    ...extra,
  };
}

/**
 * `AuthModule` with `JwtBackend` on the bench's JWT settings, the guard bound by `@UseGuards`
 * only (no global guard), so the baseline routes of an application stay unguarded.
 */
export function benchJwtAuth(
  extra: Partial<Parameters<typeof AuthModule.forRoot>[0]> = {},
): DynamicModule {
  return AuthModule.forRoot({
    backends: [JwtBackend],
    userModel: BenchUsers,
    roles: BENCH_ROLES,
    jwt: benchJwtOptions(),
    globalGuard: false,
    ...extra,
  });
}
