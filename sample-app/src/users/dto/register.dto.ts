import { EmailField, NewPasswordField, UsernameField } from '../../common/fields.js';

/** The body of `POST /auth/register`. Other fields (such as `roles`) are dropped. */
export class RegisterDto {
  @UsernameField()
  username!: string;

  @EmailField()
  email!: string;

  @NewPasswordField()
  password!: string;
}
