import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { PresentedPasswordField } from '../../common/fields.js';

/** The body of `POST /auth/login` and `POST /auth/session/login`. */
export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 254)
  username!: string;

  @PresentedPasswordField()
  password!: string;

  @ApiPropertyOptional({
    description:
      'The device token an earlier login of this account answered: this client then has a login budget of its own, which failures elsewhere do not use up',
  })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  device_token?: string;
}
