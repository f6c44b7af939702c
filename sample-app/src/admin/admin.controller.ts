import {
  BadRequestException,
  Body,
  Controller,
  DefaultValuePipe,
  Get,
  NotFoundException,
  Param,
  Patch,
  Query,
} from '@nestjs/common';
import { ApiNotFoundResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuthEventPublisher, CurrentUser, HasPermission } from 'nestjs-gatehouse';
import { AuditRepository, type AuditEntry } from '../audit/audit.repository.js';
import { CredentialRevoker } from '../auth/credential-revoker.service.js';
import type { AppUser, UserRecord } from '../users/app-user.js';
import { UsersRepository } from '../users/users.repository.js';
import { UpdateUserDto } from './update-user.dto.js';

/** What an admin sees of a user. */
export interface AdminUserView {
  id: string;
  username: string;
  email: string | null;
  roles: string[];
  disabled: boolean;
  created_at: string;
}

/** User administration and the audit log; everything needs `users:manage`. */
@ApiTags('admin')
@HasPermission('users:manage')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AuditRepository,
    private readonly revoker: CredentialRevoker,
    private readonly events: AuthEventPublisher,
  ) {}

  @Get('users')
  list(): AdminUserView[] {
    return this.users.list().map(view);
  }

  /** Changes roles (effective on the user's next request) or disables the account. */
  @ApiNotFoundResponse()
  @Patch('users/:id')
  async update(
    @Param('id') id: string,
    @Body() body: UpdateUserDto,
    @CurrentUser() admin: AppUser,
  ): Promise<AdminUserView> {
    const target = this.users.findById(id);
    if (!target) throw new NotFoundException();
    if (target.id === admin.identity && (body.disabled === true || body.roles !== undefined)) {
      // An admin locking themselves out is almost always a mistake, and may leave no admin.
      throw new BadRequestException('You cannot change your own roles or disable your own account');
    }
    const roles = body.roles === undefined ? undefined : [...new Set(body.roles)];
    const updated = this.users.update(id, { roles, disabled: body.disabled });
    if (!updated) throw new NotFoundException();
    if (body.disabled === true && !target.disabled) {
      await this.revoker.revokeLogins(id);
      await this.revoker.revokeApiKeys(id);
    }
    this.events.publish({
      type: body.disabled === true ? 'user_disabled' : 'user_updated',
      identity: id,
      backend: null,
      detail: `by ${admin.identity}`,
    });
    return view(updated);
  }

  /** The newest auth events first. */
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 50' })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({ name: 'user_id', required: false })
  @Get('audit')
  auditLog(
    @Query('limit', new DefaultValuePipe('50')) limit: string,
    @Query('type') type?: string,
    @Query('user_id') userId?: string,
  ): AuditEntry[] {
    if (typeof limit !== 'string' || !/^\d{1,3}$/.test(limit) || +limit < 1 || +limit > 500) {
      throw new BadRequestException('limit must be a whole number from 1 to 500');
    }
    if (
      (type !== undefined && typeof type !== 'string') ||
      (userId !== undefined && typeof userId !== 'string')
    ) {
      throw new BadRequestException('type and user_id must be single values');
    }
    return this.audit.newest(Number(limit), { type, userId });
  }
}

function view(user: UserRecord): AdminUserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    roles: [...user.roles],
    disabled: user.disabled,
    created_at: new Date(user.createdAt).toISOString(),
  };
}
