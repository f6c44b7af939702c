import { Injectable } from '@nestjs/common';
import { AuthBackend, AuthResults, type AuthResult } from 'nestjs-gatehouse';

/**
 * Recognises nobody: every protected route answers 401. It stands in only until the library's
 * JWT, API-key and session backends are merged (AuthModule needs at least one backend).
 */
@Injectable()
export class InterimBackend extends AuthBackend {
  readonly name = 'interim';

  async authenticate(): Promise<AuthResult> {
    return AuthResults.missing(this.name);
  }
}
