import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Clock } from 'nestjs-gatehouse';
import { createTransport } from 'nodemailer';
import type { AppConfig } from '../config/app-config.js';
import { Mailer, type MailMessage } from './mailer.js';

/** The sender of the app's mail. */
export const MAIL_FROM = 'Sample App <no-reply@sample-app.invalid>';

/**
 * Writes each message as one RFC 5322 `.eml` file into `MAIL_OUTBOX_DIR`, built by nodemailer
 * (headers encoded and folded, a Message-ID, CRLF line ends). Open the files with any mail client.
 * `MailModule` provides it as the {@link Mailer}.
 */
export class OutboxMailer extends Mailer {
  private readonly logger = new Logger('Mail');
  private readonly transport = createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
  });
  private sequence = 0;
  /** The absolute path of the outbox directory. */
  readonly directory: string;

  constructor(
    config: Pick<AppConfig, 'mailOutboxDir'>,
    private readonly clock: Clock,
  ) {
    super();
    this.directory = resolve(config.mailOutboxDir);
  }

  async send(message: MailMessage): Promise<string> {
    const info = await this.transport.sendMail({
      from: MAIL_FROM,
      to: message.to,
      subject: message.subject,
      text: message.text,
      date: new Date(this.clock.now()),
    });
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    // Time, then a per-process sequence (names sort in sending order), then randomness (several
    // instances may share the directory).
    const stamp = new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-');
    const sequence = String(++this.sequence).padStart(6, '0');
    const name = `${stamp}-${sequence}-${randomBytes(6).toString('hex')}.eml`;
    // Written under a temporary name and renamed, so a reader never sees half a message.
    const temporary = join(this.directory, `.${name}.tmp`);
    await writeFile(temporary, info.message as Buffer, { mode: 0o600 });
    await rename(temporary, join(this.directory, name));
    this.logger.log(`wrote ${name} to the outbox`);
    return name;
  }
}
