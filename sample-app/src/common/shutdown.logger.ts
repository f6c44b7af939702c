import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

/** Says in the log why the app stops, before the connections close. */
@Injectable()
export class ShutdownLogger implements BeforeApplicationShutdown {
  beforeApplicationShutdown(signal?: string): void {
    if (signal) new Logger('SampleApp').log(`received ${signal}, shutting down`);
  }
}
