import { Inject, Injectable } from '@nestjs/common';
import {
  ApiKeyService,
  Clock,
  RevocationStore,
  SessionService,
  TokenService,
  type AuthInfo,
} from 'nestjs-gatehouse';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { familyLifetimeMs } from './jwt-options.js';
import { LoginsRepository } from './logins.repository.js';

/**
 * Revokes what lets a user in: after a password change or reset, a "log out everywhere", or
 * when an admin disables the account. Each step goes through the library's services and stores,
 * so with `REDIS_URL` the revocation reaches every instance at once.
 */
@Injectable()
export class CredentialRevoker {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeyService,
    private readonly revocations: RevocationStore,
    private readonly logins: LoginsRepository,
    private readonly clock: Clock,
  ) {}

  /** Every token and session of `userId` stops working. */
  async revokeLogins(userId: string): Promise<void> {
    await this.tokens.revokeAllForUser(userId);
    await this.sessions.revokeAllSessions(userId);
    this.logins.endAll(userId);
  }

  /**
   * Every token and session of `userId` but the current JWT login (`current`) stops working:
   * every cookie session, older tokens by the user's cut-off, later logins one family at a time.
   */
  async revokeLoginsExcept(userId: string, current: AuthInfo): Promise<void> {
    await this.sessions.revokeAllSessions(userId);
    const family = current.claims?.fam;
    const issuedAt = current.issuedAt;
    if (typeof family !== 'string' || issuedAt === undefined) return this.revokeLogins(userId);
    const until = this.clock.now() + familyLifetimeMs(this.config);
    // The cut-off refuses tokens issued at or before it, so it sits just before this token.
    await this.revocations.revokeSubject(userId, issuedAt - 1, until);
    for (const login of this.logins.active(userId)) {
      if (login.id === family) continue;
      await this.revocations.revokeFamily(login.id, until);
      this.logins.end(login.id);
    }
  }

  /** Ends one JWT login of the user (from the session list). */
  async revokeLogin(family: string): Promise<void> {
    await this.revocations.revokeFamily(family, this.clock.now() + familyLifetimeMs(this.config));
    this.logins.end(family);
  }

  /** Every API key of `userId` stops working. */
  async revokeApiKeys(userId: string): Promise<void> {
    for (const key of await this.apiKeys.list(userId)) await this.apiKeys.revoke(key.id, userId);
  }
}
