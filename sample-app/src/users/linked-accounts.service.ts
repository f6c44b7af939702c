import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthSuccess } from 'nestjs-gatehouse';
import { ROLE_NAMES } from '../auth/roles.js';
import type { AppConfig } from '../config/app-config.js';
import { DEFAULT_ROLE } from './accounts.service.js';
import type { UserRecord } from './app-user.js';
import { UsersRepository } from './users.repository.js';

/** Usernames taken from a provider are cut to this length. */
const MAX_USERNAME_LENGTH = 64;

/**
 * Local accounts for the people an outside identity provider vouches for (`OIDC_ISSUER`),
 * linked by (issuer, subject) and created the first time a token of theirs is accepted:
 * username from `preferred_username`, else the subject (made unique); the email only when the
 * provider says it is verified (and no other account has it: an email never links accounts);
 * the `user` role, or with `OIDC_ROLES_CLAIM` the app roles the claim names. After that the
 * account is the app's: an admin may change its roles or disable it.
 */
@Injectable()
export class LinkedAccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** The account `result` (an outside provider's verified token) names, created if new. */
  accountFor(result: AuthSuccess & { issuer: string }): UserRecord {
    const existing = this.users.findLinked(result.issuer, result.identity);
    if (existing) return existing;
    const claims = result.claims ?? {};
    const name = claims.preferred_username;
    const email = claims.email;
    return this.users.createLinked({
      issuer: result.issuer,
      subject: result.identity,
      username: (typeof name === 'string' && name.trim() !== ''
        ? name.trim()
        : result.identity
      ).slice(0, MAX_USERNAME_LENGTH),
      email:
        claims.email_verified === true && typeof email === 'string' && email !== ''
          ? email
          : undefined,
      roles: this.rolesFrom(result),
    });
  }

  private rolesFrom(result: AuthSuccess): readonly string[] {
    if (this.config.get('oidc', { infer: true })?.rolesClaim === undefined) return [DEFAULT_ROLE];
    return (result.roles ?? []).filter((role) => (ROLE_NAMES as readonly string[]).includes(role));
  }
}
