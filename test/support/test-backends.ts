import { Injectable } from '@nestjs/common';
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
