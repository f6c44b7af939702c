import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import {
  ApiKeyService,
  Auth,
  Clock,
  CurrentAuth,
  CurrentUser,
  type ApiKeyInfo,
  type AuthInfo,
} from 'nestjs-gatehouse';
import { PersonOnly } from '../common/person-only.js';
import type { AppUser } from '../users/app-user.js';
import { CreateApiKeyDto } from './create-api-key.dto.js';

/** A key as listed: never its secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[] | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const DAY_MS = 86_400_000;

/** Every key of the app starts with `sample_`. */
export const API_KEY_PREFIX = 'sample';

/** The caller's API keys. A key authenticates as its owner, narrowed to its scopes. */
@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly clock: Clock,
  ) {}

  /** Creates a key; the response is the only time the key is shown. Needs a fresh login. */
  @ApiCreatedResponse({ description: 'The key, shown only here' })
  @Auth({ backends: 'jwt', fresh: true })
  @Post()
  async create(
    @Body() body: CreateApiKeyDto,
    @CurrentUser() user: AppUser,
    @CurrentAuth() auth: AuthInfo,
  ): Promise<Omit<ApiKeyView, 'last_used_at'> & { key: string }> {
    const scopes = body.scopes === undefined ? null : [...new Set(body.scopes)];
    const lacking = (scopes ?? []).filter((scope) => !auth.permissions.has(scope));
    if (lacking.length > 0) {
      throw new BadRequestException(
        `scopes must be permissions you hold (not ${lacking.join(', ')})`,
      );
    }
    const { key, record } = await this.apiKeys.create({
      owner: user.identity,
      name: body.name,
      scopes,
      expiresAt:
        body.expires_in_days === undefined
          ? null
          : this.clock.now() + body.expires_in_days * DAY_MS,
    });
    const { last_used_at: _unused, ...shown } = view(record);
    return { ...shown, key };
  }
  @PersonOnly()
  @Get()
  async list(@CurrentUser() user: AppUser): Promise<ApiKeyView[]> {
    return (await this.apiKeys.list(user.identity)).map(view);
  }

  /** Revokes one of the caller's keys; it stops working at once. */
  @PersonOnly()
  @ApiNotFoundResponse()
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentUser() user: AppUser): Promise<void> {
    // A key that no longer works (revoked or expired) is gone as far as its owner can tell.
    const key = /^[A-Za-z0-9]{1,64}$/.test(id) ? await this.apiKeys.get(id, user.identity) : null;
    const live =
      key !== null &&
      key.revokedAt === null &&
      (key.expiresAt === null || key.expiresAt > this.clock.now());
    if (!live || !(await this.apiKeys.revoke(id, user.identity))) throw new NotFoundException();
  }
}

function view(record: ApiKeyInfo): ApiKeyView {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes === null ? null : [...record.scopes],
    created_at: iso(record.createdAt)!,
    expires_at: iso(record.expiresAt),
    last_used_at: iso(record.lastUsedAt),
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
