import { randomBytes } from 'node:crypto';
import { AUTH_TEST_BACKEND } from '../core/injection-tokens.js';
import type { AuthRequest } from '../core/auth-request.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';
import { singleHeader } from '../http/headers.js';
import type { BaseUser } from '../core/base-user.js';

/** How a test request is authenticated. */
export interface TestCredential {
  /** The backend the request pretends to come through (`request.auth`). Default: `'test'`. */
  backend?: string;
  /** Scopes the pretend credential carries; they narrow the user's permissions. Default: none. */
  scopes?: readonly string[];
  /** Whether the pretend credential is fresh. Default: `true`. */
  fresh?: boolean;
  /** When it was issued, ms since the epoch. Default: when `as()` was called. */
  issuedAt?: number;
}

const SCHEME = 'GatehouseTest';

/** The backend `AuthTesting` installs. Exported for advanced use; prefer {@link AuthTesting}. */
export class TestAuthBackend extends AuthBackend {
  readonly name = 'test';
  private readonly credentials = new Map<string, { user: BaseUser } & TestCredential>();

  /** Registers a credential for `user` and returns its opaque token. */
  issue(user: BaseUser, credential: TestCredential = {}): string {
    const token = randomBytes(16).toString('hex');
    this.credentials.set(token, { issuedAt: Date.now(), ...credential, user });
    return token;
  }

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    const header = singleHeader(request.headers.authorization);
    if (!header?.startsWith(`${SCHEME} `)) return AuthResults.missing(this.name);
    const entry = this.credentials.get(header.slice(SCHEME.length + 1));
    if (!entry)
      return AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', 'unknown test credential');
    return AuthResults.success(entry.backend ?? this.name, entry.user.identity, {
      user: entry.user,
      scopes: entry.scopes,
      fresh: entry.fresh ?? true,
      issuedAt: entry.issuedAt,
      credentialId: 'test',
    });
  }
}

/** Anything with `overrideProvider(token).useValue(value)`, such as Nest's `TestingModuleBuilder`. */
export interface OverridableBuilder<T> {
  overrideProvider(token: unknown): { useValue(value: unknown): T };
}

/** Runs requests as chosen users in a user's own e2e tests. */
export class AuthTesting {
  /** The installed backend. */
  readonly backend = new TestAuthBackend();

  /** Installs the test backend into a `Test.createTestingModule(...)` builder. */
  install<T>(builder: OverridableBuilder<T>): T {
    return builder.overrideProvider(AUTH_TEST_BACKEND).useValue(this.backend);
  }

  /** Request headers that authenticate as `user`. */
  as(user: BaseUser, credential?: TestCredential): Record<string, string> {
    return { authorization: `${SCHEME} ${this.backend.issue(user, credential)}` };
  }

  /** Request headers of an anonymous caller (none). */
  anonymous(): Record<string, string> {
    return {};
  }
}
