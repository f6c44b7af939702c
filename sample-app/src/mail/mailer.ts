/** An outgoing message. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Sends mail. The sample app's implementation writes `.eml` files to an outbox directory. */
export abstract class Mailer {
  /** Sends `message`; resolves to an id of the sent message (the outbox file name). */
  abstract send(message: MailMessage): Promise<string>;
}
