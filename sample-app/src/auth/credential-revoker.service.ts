import { Injectable } from '@nestjs/common';
import {
  ApiKeyService,
  SessionService,
  TokenService,
  type AuthInfo,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { EmailChangeTokens } from '../email-change/email-change-tokens.js';
import { LoginsRepository } from './logins.repository.js';

/**
 * Revokes what lets a user in: after a password change or reset, a "log out everywhere", or
 * when an admin disables the account. Each step goes through the library's services, so with
 * `REDIS_URL` the revocation reaches every instance at once; the app only keeps its list of
 * JWT logins in step. Ending the logins also voids a pending email change: it may be the
 * intruder's, and the owner ends the logins to shut them out.
 */
@Injectable()
export class CredentialRevoker {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeyService,
    private readonly logins: LoginsRepository,
    private readonly emailChanges: EmailChangeTokens,
  ) {}

  /** Every token and session of `userId` stops working. */
  async revokeLogins(userId: string): Promise<void> {
    await this.tokens.revokeAllForUser(userId);
    await this.sessions.revokeAllSessions(userId);
    this.logins.endAll(userId);
    this.emailChanges.voidPending(userId);
  }

  /**
   * Every token and session of `userId` but the current one stops working: the JWT login
   * (`current`) or the cookie session of `request`. A credential outside both keeps nothing.
   */
  async revokeLoginsExcept(userId: string, current: AuthInfo, request: AuthRequest): Promise<void> {
    if (current.backend === 'session') {
      await this.sessions.revokeAllSessions(userId, { except: request });
      await this.tokens.revokeAllForUser(userId);
      this.logins.endAll(userId);
      this.emailChanges.voidPending(userId);
      return;
    }
    const family = current.claims?.fam;
    if (current.backend !== 'jwt' || typeof family !== 'string') return this.revokeLogins(userId);
    await this.sessions.revokeAllSessions(userId);
    await this.tokens.revokeAllForUser(userId, { except: current });
    this.logins.endAllExcept(userId, family);
    this.emailChanges.voidPending(userId);
  }

  /** Ends one JWT login (refresh family) of `userId`, from the session list. */
  async revokeLogin(userId: string, family: string): Promise<void> {
    await this.tokens.revokeFamilyById(userId, family);
    this.logins.end(family);
  }

  /** Every API key of `userId` stops working. */
  async revokeApiKeys(userId: string): Promise<void> {
    for (const key of await this.apiKeys.list(userId)) await this.apiKeys.revoke(key.id, userId);
  }
}
