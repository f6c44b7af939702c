import { Injectable } from '@nestjs/common';
import { BasicStrategy } from 'passport-http';
import {
  AuthBackend,
  AuthResults,
  UserModel,
  type AuthBackendType,
  type AuthRequest,
  type AuthResult,
} from 'nestjs-gatehouse';

/** A user model that knows nobody: for specs about routes and options rather than users. */
@Injectable()
export class NoUsers extends UserModel {
  async loadUser() {
    return null;
  }
}

/**
 * A backend class named `name` that recognises nobody (every request is `missing`), with
 * `challenge` as its `WWW-Authenticate` scheme when given. Each call makes a new class.
 */
export function namedBackend(name: string, challenge?: string): AuthBackendType {
  @Injectable()
  class NamedBackend extends AuthBackend {
    readonly name = name;

    override get challenge(): string | undefined {
      return challenge;
    }

    async authenticate(_request: AuthRequest): Promise<AuthResult> {
      return AuthResults.missing(this.name);
    }
  }
  return NamedBackend;
}

/**
 * A backend class named `name` that authenticates a request carrying the `x-test-user` header as
 * the user it names (as an API key or a session would): a credential that is not a JWT.
 */
export function headerBackend(name: string): AuthBackendType {
  @Injectable()
  class HeaderBackend extends AuthBackend {
    readonly name = name;

    async authenticate(request: AuthRequest): Promise<AuthResult> {
      const user = request.headers['x-test-user'];
      if (typeof user !== 'string') return AuthResults.missing(this.name);
      return AuthResults.success(this.name, user, { credentialId: `${name}-1` });
    }
  }
  return HeaderBackend;
}

/** passport-http's Basic strategy, unchanged, that accepts only `bob` with `bob-pass`. */
export function bobBasicStrategy(): BasicStrategy {
  return new BasicStrategy((username, password, done) => {
    done(null, username === 'bob' && password === 'bob-pass' ? { id: 'bob' } : false);
  });
}
