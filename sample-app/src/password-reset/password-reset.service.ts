import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthEventPublisher, Clock, type AuthReasonCode } from 'nestjs-gatehouse';
import { CredentialRevoker } from '../auth/credential-revoker.service.js';
import { BackgroundWork } from '../common/background-work.js';
import { mailTokenHash, newMailToken } from '../common/mail-token.js';
import { SqliteDatabase } from '../database/sqlite.database.js';
import { Mailer } from '../mail/mailer.js';
import { AccountsService } from '../users/accounts.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { UserRecord } from '../users/app-user.js';

/** How long a reset token works. */
export const RESET_TOKEN_TTL_MS = 15 * 60_000;

/**
 * Password reset by mail. The token is random, sent only in the mail, stored only as its
 * SHA-256 (a leaked table holds nothing usable), works for 15 minutes and only once; asking for a
 * new one voids the older ones.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly users: UsersRepository,
    private readonly accounts: AccountsService,
    private readonly mailer: Mailer,
    private readonly events: AuthEventPublisher,
    private readonly clock: Clock,
    private readonly work: BackgroundWork,
    private readonly revoker: CredentialRevoker,
  ) {}

  /**
   * Starts a reset for the account with `email`, if there is one. Whether there is one is not even
   * looked up here: the lookup, the token, its storage, the audit event and the mail are all
   * queued to run once `answered` (the response) has settled, so the request takes the same path
   * for every email and that work cannot delay the answer.
   */
  request(email: string, ip: string | undefined, answered?: Promise<unknown>): void {
    this.work.defer('password reset request', () => this.start(email, ip), answered);
  }

  /**
   * Revokes every token, session and API key of the token's user, then spends `token` and sets
   * `password`. A key made before the reset would otherwise outlive it, as a way back in for
   * whoever the reset locks out. Throws 401 for an unknown, used or expired token, and 400 for a password the
   * policy refuses, before anything changes.
   *
   * The revocation comes first: when it fails (503, e.g. Redis is down), the token is not spent
   * and the password not changed, so the user can try again with the same token; revoking twice
   * is harmless. Done last, a failure would leave the old logins alive after a reset that did
   * happen, with the token already spent.
   */
  async confirm(token: string, password: string, ip?: string): Promise<void> {
    const hash = mailTokenHash(token);
    const found = hash ? this.live(hash) : undefined;
    const user = found ? this.users.findById(found.user_id) : null;
    if (!hash || !user || user.disabled) {
      this.emit(
        'password_reset_failed',
        user?.id,
        ip,
        'CREDENTIAL_INVALID',
        'bad, used or expired token',
      );
      throw new UnauthorizedException('Invalid or expired token');
    }
    const passwordHash = await this.accounts.newPasswordHash(user, password);
    await this.revoker.revokeLogins(user.id);
    await this.revoker.revokeApiKeys(user.id);
    const db = this.database.db;
    // Spend and change in one transaction: of two concurrent confirmations exactly one wins.
    const spent = db.transaction(() => {
      const result = db
        .prepare(
          `UPDATE password_reset_tokens SET used_at = ?
           WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
        )
        .run(this.clock.now(), hash, this.clock.now());
      if (result.changes !== 1) return false;
      this.accounts.storePasswordHash(user.id, passwordHash);
      return true;
    })();
    if (!spent) {
      this.emit(
        'password_reset_failed',
        user.id,
        ip,
        'CREDENTIAL_INVALID',
        'token spent concurrently',
      );
      throw new UnauthorizedException('Invalid or expired token');
    }
    this.emit('password_reset', user.id, ip);
  }

  /** The work of {@link request}, off the request path. */
  private async start(email: string, ip: string | undefined): Promise<void> {
    const user = this.users.findByEmail(email);
    if (!user || user.disabled) return;
    const { token, hash } = newMailToken();
    const now = this.clock.now();
    const db = this.database.db;
    db.transaction(() => {
      db.prepare(
        'UPDATE password_reset_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL',
      ).run(now, user.id);
      db.prepare(
        `INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at)
         VALUES (?, ?, ?, ?)`,
      ).run(hash, user.id, now, now + RESET_TOKEN_TTL_MS);
    })();
    this.emit('password_reset_requested', user.id, ip);
    await this.send(user, token);
  }

  private live(hash: string): { user_id: string } | undefined {
    return this.database.db
      .prepare(
        `SELECT user_id FROM password_reset_tokens
         WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
      )
      .get(hash, this.clock.now()) as { user_id: string } | undefined;
  }

  private async send(user: UserRecord, token: string): Promise<void> {
    await this.mailer.send({
      // Found by its email, so it has one.
      to: user.email!,
      subject: 'Reset your password',
      text: [
        `Hello ${user.username},`,
        '',
        'Someone asked to reset the password of your account.',
        'If it was you, send this token with your new password',
        'to POST /auth/password-reset/confirm within 15 minutes:',
        '',
        token,
        '',
        'The token works once. If you did not ask for it,',
        'ignore this mail: your password stays as it is.',
      ].join('\n'),
    });
  }

  private emit(
    type: string,
    identity: string | undefined,
    ip?: string,
    reason?: AuthReasonCode,
    detail?: string,
  ): void {
    this.events.publish({ type, identity, ip, reason, detail, backend: null });
  }
}
