import { Injectable, UnauthorizedException } from '@nestjs/common';
import {
  AuthEventPublisher,
  LoginThrottle,
  type AuthReasonCode,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { MAX_PASSWORD_LENGTH } from '../passwords/password-policy.js';
import { NO_PASSWORD, type UserRecord } from '../users/app-user.js';
import { UsersRepository } from '../users/users.repository.js';

/** The one answer to every failed login, whatever the reason. */
export const INVALID_CREDENTIALS = 'Invalid credentials';

/** What a login hands the throttle besides the credentials. */
export interface LoginContext {
  /** The response, for the 429's `Retry-After`. */
  readonly response?: unknown;
  /** A device token from the body (`device_token`); else the `__Host-device` cookie counts. */
  readonly deviceToken?: string;
}

/** A login that passed: the user and a new device token for the client. */
export interface VerifiedLogin {
  readonly user: UserRecord;
  readonly deviceToken: string;
}

/**
 * Checks a username and password, the same way for the JWT and the session login:
 * - every attempt is counted by the library's `LoginThrottle` before any hashing, atomically,
 *   and one past the limit answers 429 (so a burst of parallel guesses gets no more than the
 *   limit checked). Clients with a device token for the account (from an earlier login) have a
 *   budget of their own, so strangers cannot lock the owner out;
 * - an unknown user, a wrong password and a disabled account all answer the same 401, after
 *   the same argon2 work (a dummy hash for unknown users), so neither the body nor the time
 *   tells which accounts exist;
 * - a success clears the count of the budget it used and issues a new device token.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEventPublisher,
  ) {}

  /** The user whose credentials these are, and a new device token; throws 401, 429 or 503. */
  async verify(
    username: string,
    password: string,
    request: AuthRequest,
    via: 'jwt' | 'session',
    context: LoginContext = {},
  ): Promise<VerifiedLogin> {
    const user = this.users.findByUsername(username);
    const attempt = await this.throttle.attempt(request, throttleAccount(username, user), {
      ...context,
      backend: via,
    });
    // Oversized passwords were refused by validation already; this keeps argon2's input bounded
    // even if a caller forgets.
    const candidate = password.length > MAX_PASSWORD_LENGTH ? '' : password;
    // An account that signs in through its identity provider has no password: it costs the
    // same time as an unknown user, and never matches.
    const matches =
      user && user.passwordHash !== NO_PASSWORD
        ? await this.hasher.verify(user.passwordHash, candidate)
        : await this.hasher.verifyDummy(candidate);
    if (!user || !matches || user.disabled) {
      this.emit(
        'login_failed',
        request,
        via,
        user?.id,
        'CREDENTIAL_INVALID',
        !user ? 'unknown user' : !matches ? 'wrong password' : 'account disabled',
      );
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    const deviceToken = await attempt.succeeded();
    if (this.hasher.needsRehash(user.passwordHash)) {
      this.users.update(user.id, { passwordHash: await this.hasher.hash(password) });
    }
    this.emit('login', request, via, user.id);
    return { user, deviceToken };
  }

  /**
   * Checks the current password of a logged-in user (before a password or email change, named
   * by `change`, which names the failure event too). A wrong one counts as a failed login, so a
   * stolen token cannot be used to guess the password.
   */
  async verifyCurrentPassword(
    user: UserRecord,
    password: string,
    request: AuthRequest,
    change: 'password_change' | 'email_change' = 'password_change',
  ): Promise<UserRecord> {
    const attempt = await this.throttle.attempt(request, throttleAccount(user.username, user), {
      backend: request.auth ?? undefined,
    });
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      this.emit(
        `${change}_failed`,
        request,
        request.auth ?? null,
        user.id,
        'CREDENTIAL_INVALID',
        'wrong current password',
      );
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await attempt.succeeded();
    return user;
  }

  private emit(
    type: string,
    request: AuthRequest,
    backend: string | null,
    identity?: string,
    reason?: AuthReasonCode,
    detail?: string,
  ): void {
    this.events.publish({
      type,
      backend,
      identity,
      reason,
      detail,
      method: request.method,
      path: request.url.split('?')[0],
      ip: request.ip,
    });
  }
}

/**
 * The account the throttle counts and binds device tokens to: the user's id when the name
 * exists, so a device token stays with that account whatever the name's case (usernames are
 * case-insensitive) and dies with it; else the name as SQLite's NOCASE compares it (ASCII
 * letters folded), so every spelling of an unknown name shares one count.
 */
function throttleAccount(username: string, user: UserRecord | null): string {
  return user ? `user:${user.id}` : `name:${username.replace(/[A-Z]+/g, (s) => s.toLowerCase())}`;
}
