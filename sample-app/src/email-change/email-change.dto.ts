import { EmailField, MailTokenField, PresentedPasswordField } from '../common/fields.js';

/** The body of `PATCH /auth/me`. Only the email may change; `roles` and the rest are dropped. */
export class ChangeEmailDto {
  @EmailField()
  email!: string;

  @PresentedPasswordField('current_password')
  current_password!: string;
}

/** The body of `POST /auth/email/confirm`. */
export class ConfirmEmailDto {
  @MailTokenField('The token from the confirmation mail')
  token!: string;
}
