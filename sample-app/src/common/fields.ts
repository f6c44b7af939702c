import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../passwords/password-policy.js';

/** A new username: 3-32 letters, digits, `_`, `.` or `-`. */
export function UsernameField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example: 'alice', minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' }),
    IsString(),
    Length(3, 32),
    Matches(/^[A-Za-z0-9_.-]+$/, {
      message: 'username may only contain letters, digits, "_", "." and "-"',
    }),
  );
}

/** An email address, trimmed and lower-cased. */
export function EmailField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example: 'alice@example.com', maxLength: 254, format: 'email' }),
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: 'email must be an email address' }),
  );
}

/**
 * A new password. Length is checked here (so oversized input is refused before any hashing);
 * the common-password check runs in the policy.
 */
export function NewPasswordField(name = 'password'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      name,
      example: 'correct horse battery staple',
      minLength: MIN_PASSWORD_LENGTH,
      maxLength: MAX_PASSWORD_LENGTH,
      description: 'At least 8 characters, no composition rules; common passwords are refused.',
    }),
    IsString(),
    MinLength(MIN_PASSWORD_LENGTH, {
      message: `${name} must be at least ${MIN_PASSWORD_LENGTH} characters long`,
    }),
    MaxLength(MAX_PASSWORD_LENGTH, {
      message: `${name} must be at most ${MAX_PASSWORD_LENGTH} characters long`,
    }),
  );
}

/** A token from one of the app's mails, as presented: a non-empty string of bounded length. */
export function MailTokenField(description: string): PropertyDecorator {
  return applyDecorators(ApiProperty({ description }), IsString(), Length(1, 256));
}

/** A password being presented (login, current password): any non-empty string up to the cap. */
export function PresentedPasswordField(name = 'password'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ name, example: 'correct horse battery staple', maxLength: MAX_PASSWORD_LENGTH }),
    IsString(),
    Length(1, MAX_PASSWORD_LENGTH, { message: `${name} must be a non-empty string` }),
  );
}
