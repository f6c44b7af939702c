import { Injectable } from '@nestjs/common';
import { Clock } from '../core/clock.js';
import { dependencyCall, unavailable } from '../core/dependency-call.js';
import type { AuthEventType } from '../core/auth-event.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import type { AuthReasonCode } from '../core/auth-reason.js';
import { createApiKey, digestMatches, parseApiKey } from './api-key.js';
import { ApiKeySettings } from './api-key-settings.js';
import { ApiKeyStore, type ApiKeyInfo, type ApiKeyRecord } from './api-key-store.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';

/** What {@link ApiKeyService.create} takes. */
export interface CreateApiKeyInput {
  /** The identity of the user the key acts as. */
  owner: string;
  /** A label for the owner's key list (1-100 characters). */
  name: string;
  /**
   * Limits the key to these permissions (intersected with the owner's).
   * Default: none given, the key has all of its owner's permissions.
   */
  scopes?: readonly string[] | null;
  /** When the key stops working (a `Date` or ms since the epoch). Default: never. */
  expiresAt?: Date | number | null;
}

/** A newly issued key. `key` is the only time the secret is available. */
export interface CreatedApiKey {
  /** The full key, `<prefix>_<id>_<secret>`. Show it once; it cannot be recovered. */
  readonly key: string;
  /** The stored record, without its hash. */
  readonly record: ApiKeyInfo;
}

/** What {@link ApiKeyService.rotate} takes. */
export interface RotateApiKeyOptions {
  /** Only rotate if the key belongs to this identity. Default: any owner. */
  owner?: string;
  /**
   * Keep the old key working for this many seconds more, then let it expire (it never gets
   * longer than it had). Default: the old key lives until its own expiry.
   */
  graceSeconds?: number;
  /** The new key's expiry. Default: the old key's lifetime, counted from now. */
  expiresAt?: Date | number | null;
}

/** A rotation's result: the new key and the old key's updated record. */
export interface RotatedApiKey extends CreatedApiKey {
  readonly previous: ApiKeyInfo;
}

/** The outcome of {@link ApiKeyService.verify}. */
export type ApiKeyVerification =
  | { readonly valid: true; readonly key: ApiKeyInfo }
  | { readonly valid: false; readonly reason: AuthReasonCode; readonly detail?: string };

/** What {@link ApiKeyService.check} resolves: the stored record itself, hash included. */
export type ApiKeyCheck =
  | { readonly valid: true; readonly key: ApiKeyRecord }
  | Extract<ApiKeyVerification, { valid: false }>;

/** The last use of a key is written at most this often. */
export const LAST_USE_INTERVAL_MS = 60_000;

const MAX_NAME_LENGTH = 100;

/**
 * Issues, rotates, revokes, lists and verifies API keys. Keys are stored hashed through the
 * {@link ApiKeyStore}; only {@link ApiKeyService.create} and {@link ApiKeyService.rotate} ever see
 * a key in clear.
 *
 * @example
 * @Controller('api-keys')
 * export class ApiKeysController {
 *   constructor(private readonly apiKeys: ApiKeyService) {}
 *
 *   @Auth({ fresh: true }) @Post()
 *   create(@CurrentUser() user: BaseUser, @Body() body: { name: string; scopes?: string[] }) {
 *     return this.apiKeys.create({ owner: user.identity, name: body.name, scopes: body.scopes });
 *   }
 * }
 */
@Injectable()
export class ApiKeyService {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly options: ApiKeySettings,
    private readonly clock: Clock,
    private readonly events: AuthEventPublisher,
  ) {}

  /** Issues a new key for `input.owner`. Throws `TypeError` on invalid input. */
  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    const now = this.clock.now();
    const owner = requireString(input?.owner, 'owner', 256);
    const name = requireString(input.name, 'name', MAX_NAME_LENGTH);
    const scopes = toScopes(input.scopes);
    const expiresAt = toTime(input.expiresAt, now);
    return this.issue({ owner, name, scopes, expiresAt, rotatedFrom: null }, now);
  }

  /**
   * Issues a key that replaces key `id`, with the same owner, name and scopes. The old key keeps
   * working until its expiry, or for `graceSeconds` more if that is sooner. Resolves `null` when
   * the key does not exist, belongs to someone else, or no longer works.
   */
  async rotate(id: string, options: RotateApiKeyOptions = {}): Promise<RotatedApiKey | null> {
    const now = this.clock.now();
    const grace = options.graceSeconds;
    if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) {
      throw new TypeError('rotate: graceSeconds must be a number of seconds, 0 or more');
    }
    const old = await this.find(id, options.owner);
    if (!old || !isLive(old, now)) return null;
    const expiresAt =
      options.expiresAt !== undefined
        ? toTime(options.expiresAt, now)
        : old.expiresAt === null
          ? null
          : now + (old.expiresAt - old.createdAt);
    const created = await this.issue(
      { owner: old.owner, name: old.name, scopes: old.scopes, expiresAt, rotatedFrom: old.id },
      now,
    );
    if (grace !== undefined)
      await storeCall(() => this.store.limitExpiry(old.id, now + grace * 1000));
    const previous = (await storeCall(() => this.store.findById(old.id))) ?? old;
    return { ...created, previous: withoutHash(previous) };
  }

  /**
   * Revokes key `id`; it stops working with the next request. With `owner`, only that owner's key
   * is revoked. Resolves `false` when there is no such key (of that owner).
   */
  async revoke(id: string, owner?: string): Promise<boolean> {
    const record = await this.find(id, owner);
    if (!record) return false;
    await storeCall(() => this.store.revoke(record.id, this.clock.now()));
    this.emit('api_key_revoked', record);
    return true;
  }

  /**
   * The keys of `owner`, without hashes. Revoked and expired keys are left out unless
   * `includeInactive` is set.
   */
  async list(owner: string, options: { includeInactive?: boolean } = {}): Promise<ApiKeyInfo[]> {
    const now = this.clock.now();
    const records = await storeCall(() => this.store.listByOwner(owner));
    return records
      .filter((record) => options.includeInactive === true || isLive(record, now))
      .map(withoutHash);
  }

  /** The key `id` (of `owner`, when given), without its hash; `null` when there is none. */
  async get(id: string, owner?: string): Promise<ApiKeyInfo | null> {
    const record = await this.find(id, owner);
    return record && withoutHash(record);
  }

  /**
   * Checks a presented key: its form and prefix, then the stored record by id, the digest in
   * constant time, revocation and expiry. Records the last use (at most once a minute).
   * Rejects with `AuthUnavailableError` when the store fails.
   */
  async verify(key: string): Promise<ApiKeyVerification> {
    const checked = await this.check(key);
    return checked.valid ? { valid: true, key: withoutHash(checked.key) } : checked;
  }

  /**
   * {@link verify}, handing back the stored record itself rather than a copy without its hash:
   * for `ApiKeyBackend`, which reads four fields of it and keeps none. The hot path: with a store
   * that answers at once (the in-memory one) the check is the result itself, no promise; a
   * store's promise is awaited inline rather than through `storeCall`. It throws or rejects
   * `AuthUnavailableError` when the store fails.
   *
   * @internal
   */
  check(key: string): ApiKeyCheck | Promise<ApiKeyCheck> {
    const parsed = parseApiKey(key);
    // The reason never names the expected prefix: it reaches logs, and logs get shared.
    if (!parsed) return failed('API_KEY_MALFORMED', 'not in the key format');
    if (parsed.prefix !== this.options.prefix) return failed('API_KEY_MALFORMED', 'wrong prefix');
    const record = InMemoryApiKeyStore.findNow(this.store, parsed.id);
    return record === undefined ? this.checkStored(key, parsed.id) : this.judge(key, record);
  }

  /** {@link check} with a store that answers through a promise. */
  private async checkStored(key: string, id: string): Promise<ApiKeyCheck> {
    let record: ApiKeyRecord | null;
    try {
      record = await this.store.findById(id);
    } catch (error) {
      throw unavailable(error, 'API_KEY_STORE_UNAVAILABLE');
    }
    return this.judge(key, record);
  }

  /**
   * The digest in constant time, then revocation and expiry, on every request: nothing of a
   * record is remembered between requests. The last use is written at most once a minute,
   * the only time a success waits.
   */
  private judge(key: string, record: ApiKeyRecord | null): ApiKeyCheck | Promise<ApiKeyCheck> {
    if (!record) return failed('API_KEY_UNKNOWN');
    if (!digestMatches(key, record.hash, this.options.pepper)) {
      return failed('API_KEY_SECRET_MISMATCH');
    }
    const now = this.clock.now();
    if (record.revokedAt !== null && record.revokedAt <= now) return failed('API_KEY_REVOKED');
    if (record.expiresAt !== null && record.expiresAt <= now) return failed('API_KEY_EXPIRED');
    if (record.lastUsedAt === null || record.lastUsedAt <= now - LAST_USE_INTERVAL_MS) {
      return this.recordUse(record, now);
    }
    return { valid: true, key: record };
  }

  private async recordUse(record: ApiKeyRecord, now: number): Promise<ApiKeyCheck> {
    await storeCall(() => this.store.recordUse(record.id, now, LAST_USE_INTERVAL_MS));
    return { valid: true, key: record };
  }

  private async issue(
    fields: Pick<ApiKeyRecord, 'owner' | 'name' | 'scopes' | 'expiresAt' | 'rotatedFrom'>,
    now: number,
  ): Promise<CreatedApiKey> {
    const generated = createApiKey({ prefix: this.options.prefix, pepper: this.options.pepper });
    const record: ApiKeyRecord = {
      id: generated.id,
      prefix: generated.prefix,
      hash: generated.hash,
      ...fields,
      createdAt: now,
      revokedAt: null,
      lastUsedAt: null,
    };
    await storeCall(() => this.store.insert(record));
    this.emit('api_key_created', record);
    return { key: generated.key, record: withoutHash(record) };
  }

  private async find(id: string, owner: string | undefined): Promise<ApiKeyRecord | null> {
    if (typeof id !== 'string' || id === '') return null;
    const record = await storeCall(() => this.store.findById(id));
    if (!record || (owner !== undefined && record.owner !== owner)) return null;
    return record;
  }

  private emit(type: AuthEventType, record: ApiKeyRecord): void {
    this.events.publish({
      type,
      backend: 'apikey',
      identity: record.owner,
      credentialId: record.id,
    });
  }
}

/** Runs a store operation; a failure becomes `AuthUnavailableError` (503), never a pass. */
function storeCall<T>(operation: () => Promise<T>): Promise<T> {
  return dependencyCall('API_KEY_STORE_UNAVAILABLE', operation);
}

function failed(
  reason: AuthReasonCode,
  detail?: string,
): Extract<ApiKeyVerification, { valid: false }> {
  return detail === undefined ? { valid: false, reason } : { valid: false, reason, detail };
}

function isLive(record: ApiKeyInfo, now: number): boolean {
  return (
    (record.revokedAt === null || record.revokedAt > now) &&
    (record.expiresAt === null || record.expiresAt > now)
  );
}

/**
 * The record's public fields. Named one by one rather than `{ hash, ...info }`: extra columns a
 * store returns stay out, and the copy has one fixed shape (the rest-spread was a slow path).
 */
function withoutHash(record: ApiKeyRecord): ApiKeyInfo {
  return {
    id: record.id,
    prefix: record.prefix,
    owner: record.owner,
    name: record.name,
    scopes: record.scopes,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    lastUsedAt: record.lastUsedAt,
    rotatedFrom: record.rotatedFrom,
  };
}

function requireString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new TypeError(`ApiKeyService: ${field} must be a string of 1-${max} characters`);
  }
  return value;
}

function toScopes(scopes: readonly string[] | null | undefined): readonly string[] | null {
  if (scopes === undefined || scopes === null) return null;
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('ApiKeyService: scopes must be an array of non-empty strings');
  }
  return Object.freeze([...new Set(scopes)]);
}

function toTime(value: Date | number | null | undefined, now: number): number | null {
  if (value === undefined || value === null) return null;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TypeError('ApiKeyService: expiresAt must be a Date or ms since the epoch');
  }
  if (ms <= now) throw new TypeError('ApiKeyService: expiresAt must be in the future');
  return Math.trunc(ms);
}
