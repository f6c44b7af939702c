import {
  BadRequestException,
  ConflictException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AuthEventPublisher, type AuthReasonCode, type AuthRequest } from 'nestjs-gatehouse';
import { mailTokenHash } from '../common/mail-token.js';
import { SqliteDatabase } from '../database/sqlite.database.js';
import { CredentialsService } from '../login/credentials.service.js';
import { Mailer } from '../mail/mailer.js';
import type { UserRecord } from '../users/app-user.js';
import { AccountsService } from '../users/accounts.service.js';
import { UsersRepository } from '../users/users.repository.js';
import { EMAIL_CHANGE_TOKEN_TTL_MS, EmailChangeTokens } from './email-change-tokens.js';

const TTL_MINUTES = EMAIL_CHANGE_TOKEN_TTL_MS / 60_000;

/**
 * Changing an account's email, which is where password resets go: whoever controls it can take
 * the account over. So the change needs the current password on top of a fresh login, and
 * takes effect only once confirmed with a token mailed to the new address; the old address gets
 * a notice. Anything that ends the user's logins (a password change or reset, "log out
 * everywhere") voids a pending change.
 */
@Injectable()
export class EmailChangeService {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly tokens: EmailChangeTokens,
    private readonly users: UsersRepository,
    private readonly accounts: AccountsService,
    private readonly credentials: CredentialsService,
    private readonly mailer: Mailer,
    private readonly events: AuthEventPublisher,
  ) {}

  /**
   * Starts changing the email of `user` to `email`; returns the pending email. 401 for a wrong
   * password, checked first, so that without it nobody learns which emails are taken (409).
   */
  async request(
    user: UserRecord,
    email: string,
    password: string,
    request: AuthRequest,
  ): Promise<string> {
    await this.credentials.verifyCurrentPassword(user, password, request, 'email_change');
    if (email === user.email?.toLowerCase()) {
      throw new BadRequestException('email is already the email of the account');
    }
    const owner = this.users.findByEmail(email);
    if (owner && owner.id !== user.id) {
      throw new ConflictException('Username or email already registered');
    }
    const token = this.tokens.create(user.id, email);
    this.emit('email_change_requested', user.id, request.ip, request);
    await this.mailer.send({
      to: email,
      subject: 'Confirm your new email address',
      text: [
        `Hello ${user.username},`,
        '',
        'You asked to use this address for your account. To confirm it, send this token',
        `to POST /auth/email/confirm within ${TTL_MINUTES} minutes:`,
        '',
        token,
        '',
        'The token works once. If you did not ask for this, ignore this mail:',
        'nothing changes.',
      ].join('\n'),
    });
    // An account linked to an outside provider may have had no address to warn.
    if (user.email !== null) await this.notifyOldAddress(user, user.email, email);
    return email;
  }

  private async notifyOldAddress(user: UserRecord, old: string, email: string): Promise<void> {
    await this.mailer.send({
      to: old,
      subject: 'Your email address is being changed',
      text: [
        `Hello ${user.username},`,
        '',
        `Someone logged in to your account asked to change its email address to ${email}.`,
        `The change takes effect only if it is confirmed from that address within ${TTL_MINUTES} minutes.`,
        '',
        'If it was not you, change your password now, or reset it from this address:',
        'that cancels the change and ends every login to your account.',
      ].join('\n'),
    });
  }

  /**
   * Applies the change behind `token` and returns the updated user. 401 for a bad, used or
   * expired token; 409 when another account has taken the email meanwhile (the token then stays
   * unspent, and keeps failing until it expires).
   */
  confirm(token: string, ip?: string): UserRecord {
    const hash = mailTokenHash(token);
    const pending = hash === null ? undefined : this.tokens.live(hash);
    const user = pending && this.users.findById(pending.userId);
    if (!hash || !pending || !user || user.disabled) {
      this.refuse(user?.id, ip, 'bad, used or expired token');
    }
    const db = this.database.db;
    // Spend and change in one transaction: of two concurrent confirmations exactly one wins, and
    // a change refused as taken (409) rolls the spending back.
    const updated = db.transaction(() =>
      this.tokens.spend(hash) ? this.accounts.changeEmail(user.id, pending.newEmail) : null,
    )();
    if (!updated) this.refuse(user.id, ip, 'token spent concurrently');
    this.emit('email_changed', user.id, ip);
    return updated;
  }

  private refuse(identity: string | undefined, ip: string | undefined, detail: string): never {
    this.emit('email_change_failed', identity, ip, undefined, 'CREDENTIAL_INVALID', detail);
    throw new UnauthorizedException('Invalid or expired token');
  }

  private emit(
    type: string,
    identity: string | undefined,
    ip: string | undefined,
    request?: AuthRequest,
    reason?: AuthReasonCode,
    detail?: string,
  ): void {
    this.events.publish({
      type,
      identity,
      ip,
      reason,
      detail,
      backend: request?.auth ?? null,
      method: request?.method,
      path: request?.url.split('?')[0],
    });
  }
}
