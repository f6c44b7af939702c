import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { ApiKeyBackend } from './api-key.backend.js';
import { AuthModule } from '../module/auth.module.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import { UserModel } from '../users/user-model.js';
import type { ApiKeyOptions } from './api-key-options.js';
import { ApiKeySettings } from './api-key-settings.js';

describe('ApiKeySettings', () => {
  it('defaults to the X-API-Key header, the gk prefix, no scheme and no pepper', () => {
    expect(new ApiKeySettings(undefined)).toEqual({
      header: 'x-api-key',
      headerName: 'X-API-Key',
      scheme: undefined,
      challenge: 'ApiKey',
      prefix: 'gk',
      pepper: undefined,
    });
  });

  it('lower-cases the header and the scheme for matching, keeps the scheme for challenges', () => {
    const resolved = new ApiKeySettings({ header: 'X-Acme-Key', scheme: 'ApiKey' });
    expect(resolved).toMatchObject({ header: 'x-acme-key', scheme: 'apikey', challenge: 'ApiKey' });
  });

  it('turns the pepper into a secret KeyObject once', () => {
    const resolved = new ApiKeySettings({ pepper: 'p'.repeat(32) });
    expect(resolved.pepper?.type).toBe('secret');
    expect(resolved.pepper?.symmetricKeySize).toBe(32);
  });

  it.each<[string, unknown, RegExp]>([
    ['a non-object', 'X-API-Key', /"apiKey": is not an object\. Fix: /],
    [
      'an unknown option',
      { headerName: 'x' },
      /"apiKey\.headerName": is not a known option\. Fix: use one of header, scheme, prefix, pepper/,
    ],
    [
      'a header with a space',
      { header: 'X API Key' },
      /"apiKey\.header": is not a valid header name\. Fix: /,
    ],
    [
      'a header with a dot',
      { header: 'x.api.key' },
      /"apiKey\.header": is not a valid header name/,
    ],
    [
      'the Authorization header',
      { header: 'Authorization' },
      /"apiKey\.header": "Authorization" is reserved\. Fix: .*apiKey\.scheme/,
    ],
    ['the Cookie header', { header: 'cookie' }, /"apiKey\.header": "cookie" is reserved/],
    [
      'a scheme with a space',
      { scheme: 'Api Key' },
      /"apiKey\.scheme": is not a valid authentication scheme\. Fix: /,
    ],
    [
      'an empty prefix',
      { prefix: '' },
      /"apiKey\.prefix": must be 1-16 letters or digits\. Fix: .*no '_'/,
    ],
    [
      'a prefix with _',
      { prefix: 'acme_live' },
      /"apiKey\.prefix": must be 1-16 letters or digits/,
    ],
    [
      'a short pepper',
      { pepper: 'short' },
      /"apiKey\.pepper": is 5 bytes, shorter than 32\. Fix: use at least 32 random bytes/,
    ],
    [
      'a short Buffer pepper',
      { pepper: Buffer.alloc(16) },
      /"apiKey\.pepper": is 16 bytes, shorter than 32/,
    ],
    [
      'a pepper of the wrong type',
      { pepper: 42 },
      /"apiKey\.pepper": must be a string or a Buffer/,
    ],
  ])('refuses %s, naming the option and the fix', (_case, options, message) => {
    expect(() => new ApiKeySettings(options as ApiKeyOptions)).toThrowError(message);
    expect(() => new ApiKeySettings(options as ApiKeyOptions)).toThrowError(AuthConfigurationError);
  });
});

@Injectable()
class Users extends UserModel {
  async loadUser() {
    return null;
  }
}

async function boot(apiKey: ApiKeyOptions): Promise<void> {
  @Module({
    imports: [AuthModule.forRoot({ backends: [ApiKeyBackend], userModel: Users, apiKey })],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.close();
}

describe('ApiKeyBackend options at bootstrap', () => {
  it('a bad option fails the start, not a request', async () => {
    await expect(boot({ prefix: 'my_app' })).rejects.toThrowError(
      /invalid option "apiKey\.prefix"/,
    );
  });

  it('also through forRootAsync', async () => {
    @Module({
      imports: [
        AuthModule.forRootAsync({
          backends: [ApiKeyBackend],
          userModel: Users,
          useFactory: async () => ({ apiKey: { pepper: 'too short' } }),
        }),
      ],
    })
    class AsyncModule {}
    await expect(
      Test.createTestingModule({ imports: [AsyncModule] }).compile(),
    ).rejects.toThrowError(/invalid option "apiKey\.pepper"/);
  });

  it('valid options start', async () => {
    await expect(
      boot({ header: 'X-Acme-Key', scheme: 'ApiKey', prefix: 'acme', pepper: 'x'.repeat(40) }),
    ).resolves.toBeUndefined();
  });
});
