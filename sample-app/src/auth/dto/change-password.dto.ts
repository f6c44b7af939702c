import { NewPasswordField, PresentedPasswordField } from '../../common/fields.js';

/** The body of `POST /auth/password/change`. */
export class ChangePasswordDto {
  @PresentedPasswordField('current_password')
  current_password!: string;

  @NewPasswordField('new_password')
  new_password!: string;
}
