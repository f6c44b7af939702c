import { Controller, Get, HttpCode, Injectable, Module, Post, type Type } from '@nestjs/common';
import {
  AuthModule,
  ClaimsUserModel,
  CurrentAuth,
  CurrentUser,
  HasPermission,
  OidcBackend,
  Public,
  SimpleUser,
  UserModel,
  type AuthInfo,
  type BaseUser,
  type OidcOptions,
  type UserLoadContext,
} from 'nestjs-gatehouse';
import { RecordingEvents } from '../support/recording-events.js';

/** The roles the test provider's tokens may name, and what they grant. */
export const OIDC_ROLES = {
  reader: { permissions: ['reports:read'] },
  editor: { inherits: ['reader'], permissions: ['reports:write'] },
};

@Controller()
export class OidcController {
  @Get('me')
  me(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    return {
      identity: user.identity,
      name: user.displayName,
      auth: auth.backend,
      issuer: auth.issuer,
      roles: auth.roles,
      scopes: auth.scopes,
      jti: auth.credentialId,
      permissions: [...auth.permissions].sort(),
    };
  }

  @HasPermission('reports:read')
  @Get('reports')
  list() {
    return { reports: [] };
  }

  @HasPermission('reports:write')
  @Post('reports')
  @HttpCode(201)
  create() {
    return { created: true };
  }

  @Public()
  @Get('public')
  open(@CurrentUser() user: BaseUser) {
    return { identity: user.identity || null };
  }
}

/**
 * An application's own user model: accounts linked to (issuer, subject), created just in time
 * from the verified claims, and one that can be disabled. It records every load context.
 */
@Injectable()
export class LinkedAccounts extends UserModel {
  readonly contexts: UserLoadContext[] = [];
  readonly accounts = new Map<
    string,
    { id: string; roles: readonly string[]; disabled: boolean }
  >();

  async loadUser(identity: string, context: UserLoadContext): Promise<BaseUser | null> {
    this.contexts.push(context);
    const { issuer } = context.result;
    if (issuer === undefined) return null;
    const link = JSON.stringify([issuer, identity]);
    let account = this.accounts.get(link);
    if (account === undefined) {
      account = {
        id: `local-${this.accounts.size + 1}`,
        roles: context.result.roles ?? [],
        disabled: false,
      };
      this.accounts.set(link, account);
    }
    return account.disabled ? null : new SimpleUser({ identity: account.id, roles: account.roles });
  }
}

/** A module with `OidcBackend` configured by `oidc`, and `ClaimsUserModel` or `userModel`. */
export function oidcAppModule(
  oidc: OidcOptions,
  userModel: Type<UserModel> = ClaimsUserModel,
): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        backends: [OidcBackend],
        userModel,
        events: RecordingEvents,
        roles: OIDC_ROLES,
        oidc,
      }),
    ],
    controllers: [OidcController],
  })
  class OidcAppModule {}
  return OidcAppModule;
}
