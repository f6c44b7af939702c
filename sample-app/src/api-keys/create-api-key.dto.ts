import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { ALL_PERMISSIONS } from '../auth/roles.js';

/** The body of `POST /api-keys`. */
export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI pipeline', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiPropertyOptional({
    type: [String],
    enum: ALL_PERMISSIONS,
    example: ['reports:read'],
    description: "Limits the key to these permissions. Default: all of the owner's.",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ALL_PERMISSIONS.length)
  @IsIn(ALL_PERMISSIONS, {
    each: true,
    message: `scopes may only contain ${ALL_PERMISSIONS.join(', ')}`,
  })
  scopes?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 365, description: 'Default: never expires' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  expires_in_days?: number;
}
