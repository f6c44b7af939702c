import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from 'nestjs-gatehouse';
import { ClockModule } from '../common/clock.module.js';
import type { AppConfig } from '../config/app-config.js';
import { Mailer } from './mailer.js';
import { OutboxMailer } from './outbox.mailer.js';

/** Outgoing mail: `.eml` files in `MAIL_OUTBOX_DIR`. */
@Module({
  imports: [ClockModule],
  providers: [
    {
      provide: Mailer,
      inject: [ConfigService, Clock],
      useFactory: (config: ConfigService<AppConfig, true>, clock: Clock) =>
        new OutboxMailer({ mailOutboxDir: config.get('mailOutboxDir', { infer: true }) }, clock),
    },
  ],
  exports: [Mailer],
})
export class MailModule {}
