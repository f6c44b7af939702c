import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PresentedPasswordField } from '../../common/fields.js';

/** The body of `POST /auth/login` and `POST /auth/session/login`. */
export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 254)
  username!: string;

  @PresentedPasswordField()
  password!: string;
}
