import type { Provider } from '@nestjs/common';
import { AuthConfigurationError } from './auth-error.js';

/**
 * DI token of the module options exactly as given: the object passed to `AuthModule.forRoot`, or
 * the one the `forRootAsync` factory returned. Each feature reads its own slice of it with an
 * {@link OptionsReader}, so no feature imports the module that aggregates them.
 */
export const AUTH_MODULE_OPTIONS = Symbol('gatehouse:module-options');

/**
 * The one way a feature provides its settings: a class, built once from the module options at
 * bootstrap (so a bad option fails the start, never a request), injected by its class.
 *
 * @example
 * static readonly providers = [settingsProvider(JwtSettings, (options) => new JwtSettings(options.jwt))];
 */
export function settingsProvider<T, O extends object>(
  settings: abstract new (...args: never[]) => T,
  build: (options: O) => T,
): Provider {
  return { provide: settings, useFactory: build, inject: [AUTH_MODULE_OPTIONS] };
}

/** What an option's check says when it fails: the problem and how to fix it. */
export interface OptionProblem {
  readonly problem: string;
  readonly fix: string;
}

/**
 * Reads one object of options (`jwt`, `session.cookies`, …) the same way everywhere: unknown keys
 * are refused (a typo such as `idleTimeoutSecond` must not silently keep a default), and every
 * failure is an {@link AuthConfigurationError} that names the option's full path and the fix.
 *
 * Units are the same for the same concept: options that are durations are written in seconds
 * and named `…Seconds`; the reader hands them back in milliseconds, the unit of `Clock`.
 */
export class OptionsReader {
  private constructor(
    /** The path of this object in the options, for error messages (`jwt.cookies`). */
    readonly path: string,
    private readonly value: Readonly<Record<string, unknown>>,
  ) {}

  /**
   * A reader of the object at `path`. `undefined` reads as `{}` (every key takes its default)
   * unless `required` says what to write instead. Keys outside `keys` are refused.
   */
  static of(
    path: string,
    value: unknown,
    keys: readonly string[],
    required?: OptionProblem,
  ): OptionsReader {
    if (value === undefined || value === null) {
      if (required) throw new AuthConfigurationError(path, required.problem, required.fix);
      return new OptionsReader(path, {});
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new AuthConfigurationError(
        path,
        'is not an object',
        `write \`${path.split('.').pop()}: { … }\`, or leave it out for the defaults`,
      );
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        throw new AuthConfigurationError(
          path === '' ? key : `${path}.${key}`,
          'is not a known option',
          keys.length > 0 ? `use one of ${keys.join(', ')}` : 'remove it',
        );
      }
    }
    return new OptionsReader(path, value as Record<string, unknown>);
  }

  /**
   * The options object itself, for the owner of a top-level option such as `realm`. Its keys are
   * not checked here: `AuthModule` checks the top level once, knowing every slice.
   */
  static root(options: object): OptionsReader {
    return new OptionsReader('', options as Record<string, unknown>);
  }

  /** The nested object at `key`, read with its own known `keys`. */
  child(key: string, keys: readonly string[]): OptionsReader {
    return OptionsReader.of(this.where(key), this.value[key], keys);
  }

  /** The full path of `key`, for messages. */
  where(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  /** Whether `key` is set. */
  has(key: string): boolean {
    return this.value[key] !== undefined;
  }

  /** The value of `key` unchecked, for checks of their own (keys, lists of objects). */
  raw(key: string): unknown {
    return this.value[key];
  }

  /** Throws the configuration error of `key`. */
  fail(key: string, problem: string, fix: string): never {
    throw new AuthConfigurationError(this.where(key), problem, fix);
  }

  /** A boolean, or `fallback` when unset. */
  boolean(key: string, fallback: boolean): boolean {
    const value = this.value[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(key, 'must be true or false', `set ${this.where(key)} to a boolean, or omit it`);
    }
    return value;
  }

  /** A non-empty string matching `pattern`, or `fallback` (which may be `undefined`) when unset. */
  string<F extends string | undefined>(
    key: string,
    fallback: F,
    check?: { pattern: RegExp } & OptionProblem,
  ): string | F {
    const value = this.value[key];
    if (value === undefined) return fallback;
    // With a pattern, its own problem says best what is wrong, for '' and non-strings too.
    if (check && (typeof value !== 'string' || !check.pattern.test(value))) {
      this.fail(key, check.problem, check.fix);
    }
    if (typeof value !== 'string' || value === '') {
      this.fail(
        key,
        'must be a non-empty string',
        `set ${this.where(key)} to a string, or omit it`,
      );
    }
    return value;
  }

  /**
   * A non-empty string or a non-empty array of non-empty strings, as a frozen array (a string
   * alone becomes a list of one); `undefined` when unset.
   */
  strings(key: string, check: OptionProblem): readonly string[] | undefined {
    const value = this.value[key];
    if (value === undefined) return undefined;
    const list = typeof value === 'string' ? [value] : value;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      list.some((item) => typeof item !== 'string' || item === '')
    ) {
      this.fail(key, check.problem, check.fix);
    }
    return Object.freeze([...(list as string[])]);
  }

  /** One of `choices`, or `fallback` when unset. */
  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.value[key];
    if (value === undefined) return fallback;
    if (!choices.includes(value as T)) {
      this.fail(
        key,
        `is ${JSON.stringify(value)}, not one of ${choices.map((c) => `'${c}'`).join(', ')}`,
        `use ${choices.map((c) => `'${c}'`).join(' or ')} (the default is '${fallback}')`,
      );
    }
    return value as T;
  }

  /** A whole number in `[min, max]`, or `fallback` when unset. For counts and sizes. */
  count(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.value[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(
        key,
        `is ${JSON.stringify(value)}, not a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`,
        `give a whole number${min > 0 ? ` of at least ${min}` : ''}, or omit it for the default (${fallback})`,
      );
    }
    return value;
  }

  /**
   * A duration written in whole seconds (`min` to `max`), returned in milliseconds;
   * `fallbackSeconds` when unset.
   */
  durationMs(
    key: string,
    fallbackSeconds: number,
    min = 1,
    max = Number.MAX_SAFE_INTEGER / 1000,
  ): number {
    const value = this.value[key];
    if (value === undefined) return fallbackSeconds * 1000;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(
        key,
        `is ${JSON.stringify(value)}, not a whole number of seconds from ${min}${max < Number.MAX_SAFE_INTEGER / 1000 ? ` to ${max}` : ' up'}`,
        `give a number of seconds, for example ${fallbackSeconds} (the default)`,
      );
    }
    return value * 1000;
  }

  /**
   * Signing secrets: one string or a non-empty list (the first signs, every one verifies, so
   * secrets can rotate), each at least `minLength` characters.
   */
  secrets(key: string, minLength = 32): string[] {
    const value = this.value[key];
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) {
      this.fail(
        key,
        'is missing',
        `pass at least ${minLength} random characters, for example from \`openssl rand -base64 48\``,
      );
    }
    list.forEach((secret: unknown, index) => {
      if (typeof secret !== 'string' || secret.length < minLength) {
        this.fail(
          Array.isArray(value) ? `${key}[${index}]` : key,
          `is shorter than ${minLength} characters`,
          `use at least ${minLength} random characters, for example from \`openssl rand -base64 48\``,
        );
      }
    });
    return list as string[];
  }

  /** A duration like {@link durationMs}, or `undefined` when unset (no limit). */
  optionalDurationMs(key: string, min = 1): number | undefined {
    return this.value[key] === undefined ? undefined : this.durationMs(key, 0, min);
  }
}
