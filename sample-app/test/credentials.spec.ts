import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthBackend,
  AuthEventPublisher,
  AuthEvents,
  AuthModule,
  AuthResults,
  AuthUnavailableError,
  Clock,
  InMemoryLoginThrottleStore,
  LoginThrottle,
  LoginThrottledError,
  LoginThrottleStore,
  UserModel,
  type AuthEvent,
  type AuthRequest,
  type AuthResult,
  type LoginCount,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../src/database/sqlite.database.js';
import { CredentialsService } from '../src/login/credentials.service.js';
import { PasswordHasher } from '../src/passwords/password-hasher.js';
import { UsersRepository } from '../src/users/users.repository.js';
import { testConfig } from './support/sample-app.js';

/** The real hasher, counting the argon2 verifications it runs. */
class CountingHasher extends PasswordHasher {
  verifications = 0;
  override async verify(stored: string, password: string): Promise<boolean> {
    this.verifications += 1;
    return super.verify(stored, password);
  }
}

class CollectedEvents extends AuthEvents {
  readonly events: AuthEvent[] = [];
  emit(event: AuthEvent): void {
    this.events.push(event);
  }
}

const request = { method: 'POST', url: '/auth/login', headers: {}, ip: '192.0.2.1' } as AuthRequest;

/** A backend that recognises nobody: AuthModule needs one. */
class NobodyBackend extends AuthBackend {
  readonly name = 'nobody';
  async authenticate(): Promise<AuthResult> {
    return AuthResults.missing(this.name);
  }
}

/** The library's throttle as AuthModule provides it, on `store`: 3 attempts a minute. */
async function throttleOn(store: LoginThrottleStore, clock: FakeClock): Promise<LoginThrottle> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        backends: [NobodyBackend],
        userModel: { useValue: { loadUser: async () => null } as unknown as UserModel },
        loginThrottle: {
          deviceTokenSecret: 'credentials-spec-device-secret-0123456789-abc',
          maxAttempts: 3,
          lockoutSeconds: 60,
        },
        providers: [
          { provide: Clock, useValue: clock },
          { provide: LoginThrottleStore, useValue: store },
        ],
      }),
    ],
  }).compile();
  return moduleRef.get(LoginThrottle);
}

describe('CredentialsService', () => {
  let hasher: CountingHasher;
  let events: CollectedEvents;
  let service: CredentialsService;
  let users: UsersRepository;
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));

  beforeEach(async () => {
    const db = new SqliteDatabase(
      testConfig(mkdtempSync(join(tmpdir(), 'cred-')), { databasePath: ':memory:' }),
    );
    users = new UsersRepository(db, clock);
    hasher = new CountingHasher();
    events = new CollectedEvents();
    const throttle = await throttleOn(new InMemoryLoginThrottleStore(clock), clock);
    service = new CredentialsService(
      users,
      hasher,
      throttle,
      new AuthEventPublisher(events, clock),
    );
    users.create({
      username: 'alice',
      email: 'a@example.com',
      passwordHash: await hasher.hash('alice secret pass'),
    });
    const bob = users.create({
      username: 'bob',
      email: 'b@example.com',
      passwordHash: await hasher.hash('bob secret pass'),
    });
    users.update(bob.id, { disabled: true });
    hasher.verifications = 0;
  });

  const outcome = async (username: string, password: string) => {
    try {
      await service.verify(username, password, request, 'jwt');
      return 'ok';
    } catch (error) {
      return error instanceof HttpException ? [error.getStatus(), error.getResponse()] : error;
    }
  };

  it('runs exactly one argon2 verification whether or not the user exists', async () => {
    expect(await outcome('alice', 'alice secret pass')).toBe('ok');
    expect(hasher.verifications).toBe(1);
    const unknown = await outcome('nobody', 'whatever pass');
    expect(hasher.verifications).toBe(2);
    const wrong = await outcome('alice', 'wrong pass');
    expect(hasher.verifications).toBe(3);
    const disabled = await outcome('bob', 'bob secret pass');
    expect(hasher.verifications).toBe(4);
    expect(unknown).toEqual(wrong);
    expect(disabled).toEqual(wrong);
    expect(wrong).toEqual([
      401,
      { statusCode: 401, message: 'Invalid credentials', error: 'Unauthorized' },
    ]);
  });

  it('records why a login failed in the events only', async () => {
    await outcome('nobody', 'x');
    await outcome('alice', 'x');
    await outcome('bob', 'bob secret pass');
    expect(events.events.map((e) => [e.type, e.reason, e.detail, e.ip])).toEqual([
      ['login_failed', 'CREDENTIAL_INVALID', 'unknown user', '192.0.2.1'],
      ['login_failed', 'CREDENTIAL_INVALID', 'wrong password', '192.0.2.1'],
      ['login_failed', 'CREDENTIAL_INVALID', 'account disabled', '192.0.2.1'],
    ]);
    expect(JSON.stringify(events.events)).not.toContain('bob secret pass');
  });

  it('refuses a locked account before hashing anything', async () => {
    for (let i = 0; i < 3; i++) await outcome('alice', `wrong ${i}`);
    hasher.verifications = 0;
    await expect(
      service.verify('alice', 'alice secret pass', request, 'jwt'),
    ).rejects.toBeInstanceOf(LoginThrottledError);
    expect(hasher.verifications).toBe(0);
  });

  it('fails closed when the throttle store fails', async () => {
    class BrokenStore extends LoginThrottleStore {
      async hit(): Promise<LoginCount> {
        throw new Error('connection refused');
      }
      async reset(): Promise<void> {
        throw new Error('connection refused');
      }
    }
    const broken = new CredentialsService(
      users,
      hasher,
      await throttleOn(new BrokenStore(), clock),
      new AuthEventPublisher(events, clock),
    );
    await expect(
      broken.verify('alice', 'alice secret pass', request, 'jwt'),
    ).rejects.toBeInstanceOf(AuthUnavailableError);
  });

  it('rehashes a password stored with weaker parameters at the next login', async () => {
    const { hash } = await import('@node-rs/argon2');
    const alice = users.findByUsername('alice')!;
    users.update(alice.id, {
      passwordHash: await hash('alice secret pass', { memoryCost: 4096, timeCost: 1 }),
    });
    expect(await outcome('alice', 'alice secret pass')).toBe('ok');
    const after = users.findByUsername('alice')!.passwordHash;
    expect(after).toMatch(/m=19456,t=2,p=1/);
  });
});
