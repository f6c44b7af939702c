import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional } from 'class-validator';
import { ROLE_NAMES } from '../auth/roles.js';

/** The body of `PATCH /admin/users/:id`. */
export class UpdateUserDto {
  @ApiPropertyOptional({ type: [String], enum: ROLE_NAMES, example: ['moderator'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ROLE_NAMES.length)
  @IsIn(ROLE_NAMES, { each: true, message: `roles may only contain ${ROLE_NAMES.join(', ')}` })
  roles?: string[];

  @ApiPropertyOptional({ description: 'Disabling revokes every token, session and key' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}
