import { EmailField, MailTokenField, NewPasswordField } from '../common/fields.js';

/** The body of `POST /auth/password-reset/request`. */
export class PasswordResetRequestDto {
  @EmailField()
  email!: string;
}

/** The body of `POST /auth/password-reset/confirm`. */
export class PasswordResetConfirmDto {
  @MailTokenField('The token from the reset mail')
  token!: string;

  @NewPasswordField('new_password')
  new_password!: string;
}
