import { EmailField } from '../../common/fields.js';

/** The body of `PATCH /auth/me`. Only the email may change; `roles` and the rest are dropped. */
export class UpdateMeDto {
  @EmailField()
  email!: string;
}
