import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { NewPasswordField, PresentedPasswordField } from '../../common/fields.js';

/** The body of `POST /auth/password/change`. */
export class ChangePasswordDto {
  @PresentedPasswordField('current_password')
  current_password!: string;

  @NewPasswordField('new_password')
  new_password!: string;

  @ApiPropertyOptional({
    description: 'Keep the API keys working; by default the change revokes them all',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  keep_api_keys?: boolean;
}
