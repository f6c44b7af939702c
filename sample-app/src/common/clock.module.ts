import { Module, type Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock, SystemClock } from 'nestjs-gatehouse';
import type { AppConfig } from '../config/app-config.js';

const systemClock = new SystemClock();

/**
 * The app's `Clock`: the configuration's (a test's FakeClock), else the system clock. AuthModule
 * is given this provider too, so the library and the app always read the same time.
 */
export const clockProvider: Provider = {
  provide: Clock,
  inject: [ConfigService],
  useFactory: (config: ConfigService<AppConfig, true>): Clock =>
    config.get('clock', { infer: true }) ?? systemClock,
};

/** Provides the app's {@link Clock}. */
@Module({ providers: [clockProvider], exports: [Clock] })
export class ClockModule {}
