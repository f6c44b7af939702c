import { AuthBackend } from '../core/auth-backend.js';
import { AuthTransport } from '../transports/auth-transport.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import { OptionsReader } from '../core/options-reader.js';
import { isPassportStrategyClass } from '../passport/strategy-backend.js';
import {
  MODULE_EXTRA_KEYS,
  MODULE_OPTION_KEYS,
  type AuthModuleExtras,
  type AuthModuleOptions,
} from './auth-module-options.js';

/** Checks the static configuration when `forRoot`/`forRootAsync` is called. */
export function validateExtras(extras: AuthModuleExtras): void {
  if (!Array.isArray(extras.backends) || extras.backends.length === 0) {
    throw new AuthConfigurationError(
      'backends',
      'no backend is configured',
      'list at least one backend class, for example `backends: [JwtBackend]`',
    );
  }
  extras.backends.forEach((backend, index) => {
    if (
      typeof backend !== 'function' ||
      !(backend.prototype instanceof AuthBackend || isPassportStrategyClass(backend))
    ) {
      throw new AuthConfigurationError(
        `backends[${index}]`,
        'is not a class that extends AuthBackend, nor a @nestjs/passport strategy class',
        'pass the backend class itself (not an instance): one that extends AuthBackend, or PassportStrategy(Strategy)',
      );
    }
  });
  if (new Set(extras.backends).size !== extras.backends.length) {
    throw new AuthConfigurationError(
      'backends',
      'a backend class is listed twice',
      'list each backend class once',
    );
  }
  (extras.transports ?? []).forEach((transport, index) => {
    if (typeof transport !== 'function' || !(transport.prototype instanceof AuthTransport)) {
      throw new AuthConfigurationError(
        `transports[${index}]`,
        'is not a class that extends AuthTransport',
        'pass the transport class itself (not an instance), and make it extend AuthTransport',
      );
    }
  });
  if (extras.userModel === undefined || extras.userModel === null) {
    throw new AuthConfigurationError(
      'userModel',
      'is missing',
      'pass a class that extends UserModel, for example `userModel: UsersModel`',
    );
  }
}

/** Checks that backend names are unique once the backends exist. */
export function validateBackendNames(backends: readonly AuthBackend[]): void {
  const seen = new Set<string>();
  backends.forEach((backend, index) => {
    const name: unknown = backend.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
      throw new AuthConfigurationError(
        `backends[${index}].name`,
        `"${String(name)}" is not a valid backend name`,
        'use 1 to 64 letters, digits, "_", "-", "." or ":"',
      );
    }
    if (seen.has(name)) {
      throw new AuthConfigurationError(
        `backends[${index}].name`,
        `two backends are named "${name}"`,
        'give every backend a unique name',
      );
    }
    seen.add(name);
  });
}

/**
 * Checks the options object as a whole at bootstrap: it is an object and has no unknown top-level
 * key. Each slice (`jwt`, `session`, `apiKey`, `oidc`, `roles`, `realm`) is then read by the feature that
 * owns it, with the same {@link OptionsReader}.
 */
export function checkOptions(options: AuthModuleOptions | undefined): AuthModuleOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AuthConfigurationError(
      'options',
      'is not an object',
      'return an options object from forRootAsync({ useFactory })',
    );
  }
  // forRoot hands the static extras (backends, userModel…) over in the same object.
  OptionsReader.of('', options, [...MODULE_OPTION_KEYS, ...MODULE_EXTRA_KEYS]);
  return options;
}
