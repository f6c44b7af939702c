import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { EmailField, NewPasswordField } from '../common/fields.js';

/** The body of `POST /auth/password-reset/request`. */
export class PasswordResetRequestDto {
  @EmailField()
  email!: string;
}

/** The body of `POST /auth/password-reset/confirm`. */
export class PasswordResetConfirmDto {
  @ApiProperty({ description: 'The token from the reset mail' })
  @IsString()
  @Length(1, 256)
  token!: string;

  @NewPasswordField('new_password')
  new_password!: string;
}
