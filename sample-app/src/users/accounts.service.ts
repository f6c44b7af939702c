import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/load-config.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import type { UserRecord } from './app-user.js';
import { DuplicateUserError, UsersRepository } from './users.repository.js';

/** The role every new account gets. */
export const DEFAULT_ROLE = 'user';

/**
 * Account life cycle: registration (with the password policy), profile and password changes, and
 * the first admin from `ADMIN_*` at start.
 */
@Injectable()
export class AccountsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Accounts');
  /** What happened to the configured admin at start, for the start-up log. */
  adminStatus: 'none' | 'created' | 'exists' = 'none';

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
  ) {}

  /** Creates an account with the `user` role. 400 for a refused password, 409 when taken. */
  async register(input: {
    username: string;
    email: string;
    password: string;
  }): Promise<UserRecord> {
    this.assertPassword(input.password, [input.username, input.email]);
    // Checked before hashing, so a taken name costs no argon2 run; the insert still guards races.
    if (this.users.findByUsername(input.username) || this.users.findByEmail(input.email)) {
      throw new ConflictException('Username or email already registered');
    }
    const passwordHash = await this.hasher.hash(input.password);
    try {
      return this.users.create({ ...input, passwordHash, roles: [DEFAULT_ROLE] });
    } catch (error) {
      if (error instanceof DuplicateUserError) {
        throw new ConflictException('Username or email already registered');
      }
      throw error;
    }
  }

  /** Changes the email of `userId`. 409 when another account has it. */
  changeEmail(userId: string, email: string): UserRecord {
    try {
      const updated = this.users.update(userId, { email });
      if (!updated) throw new BadRequestException('Unknown account');
      return updated;
    } catch (error) {
      if (error instanceof DuplicateUserError) {
        throw new ConflictException('Username or email already registered');
      }
      throw error;
    }
  }

  /**
   * The argon2id hash of a new password for `user`, after checking it against the policy (400
   * when refused). Nothing is stored: {@link storePasswordHash} does that, once the caller has
   * revoked what must not outlive the old password.
   */
  async newPasswordHash(user: UserRecord, password: string): Promise<string> {
    this.assertPassword(
      password,
      user.email === null ? [user.username] : [user.username, user.email],
    );
    return this.hasher.hash(password);
  }

  /** Makes `passwordHash` (from {@link newPasswordHash}) the password of `userId`. */
  storePasswordHash(userId: string, passwordHash: string): void {
    this.users.update(userId, { passwordHash });
  }

  /** Throws 400 with the policy's messages when `password` is refused. */
  assertPassword(password: string, context: readonly string[]): void {
    const problems = this.policy.check(password, context);
    if (problems.length > 0) throw new BadRequestException(problems);
  }

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.get('admin', { infer: true });
    if (!admin) return;
    if (this.users.findByUsername(admin.username)) {
      this.adminStatus = 'exists';
      return;
    }
    const problems = this.policy.check(admin.password, [admin.username, admin.email]);
    if (problems.length > 0) {
      throw new ConfigError(
        'ADMIN_PASSWORD',
        problems.join('; '),
        'choose a longer, less common password',
      );
    }
    try {
      this.users.create({
        username: admin.username,
        email: admin.email,
        passwordHash: await this.hasher.hash(admin.password),
        roles: ['admin'],
      });
      this.adminStatus = 'created';
      this.logger.log(`created the admin account "${admin.username}" from ADMIN_*`);
    } catch (error) {
      // Another instance sharing the database created it first.
      if (!(error instanceof DuplicateUserError)) throw error;
      this.adminStatus = 'exists';
    }
  }
}
