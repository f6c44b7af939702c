import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.js';
import { PasswordPolicy } from './password-policy.js';

/** argon2id hashing and the password policy, for accounts and logins. */
@Module({ providers: [PasswordHasher, PasswordPolicy], exports: [PasswordHasher, PasswordPolicy] })
export class PasswordsModule {}
