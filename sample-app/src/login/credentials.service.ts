import { Injectable, UnauthorizedException } from '@nestjs/common';
import {
  AuthEventPublisher,
  AuthUnavailableError,
  type AuthReasonCode,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { LoginLockedException } from '../common/login-locked.exception.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { MAX_PASSWORD_LENGTH } from '../passwords/password-policy.js';
import type { UserRecord } from '../users/app-user.js';
import { UsersRepository } from '../users/users.repository.js';
import { LoginThrottle } from './login-throttle.js';

/** The one answer to every failed login, whatever the reason. */
export const INVALID_CREDENTIALS = 'Invalid credentials';

/**
 * Checks a username and password, the same way for the JWT and the session login:
 * - every attempt is counted against the account before any hashing, atomically, and one past
 *   the limit answers 429 (so a burst of parallel guesses gets no more than the limit checked);
 * - an unknown user, a wrong password and a disabled account all answer the same 401, after
 *   the same argon2 work (a dummy hash for unknown users), so neither the body nor the time
 *   tells which accounts exist;
 * - a success clears the count.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEventPublisher,
  ) {}

  /** The user whose credentials these are; throws 401, 429 or 503. */
  async verify(
    username: string,
    password: string,
    request: AuthRequest,
    via: 'jwt' | 'session',
  ): Promise<UserRecord> {
    const locked = await this.store(() => this.throttle.attempt(username));
    if (locked > 0) {
      this.emit('login_locked', request, via, undefined, undefined, 'account locked out');
      throw new LoginLockedException(locked);
    }
    const user = this.users.findByUsername(username);
    // Oversized passwords were refused by validation already; this keeps argon2's input bounded
    // even if a caller forgets.
    const candidate = password.length > MAX_PASSWORD_LENGTH ? '' : password;
    const matches = user
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
    await this.store(() => this.throttle.reset(username));
    if (this.hasher.needsRehash(user.passwordHash)) {
      this.users.update(user.id, { passwordHash: await this.hasher.hash(password) });
    }
    this.emit('login', request, via, user.id);
    return user;
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
    const locked = await this.store(() => this.throttle.attempt(user.username));
    if (locked > 0) throw new LoginLockedException(locked);
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
    await this.store(() => this.throttle.reset(user.username));
    return user;
  }

  private async store<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      // Without the counter the lockout cannot be enforced: refuse the login (fail closed).
      throw new AuthUnavailableError('DEPENDENCY_UNAVAILABLE', {
        detail: 'login throttle store failed',
        cause: error,
      });
    }
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
