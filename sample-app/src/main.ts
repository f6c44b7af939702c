import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/load-config.js';

/** Runs the sample app configured from the environment, until SIGTERM or SIGINT. */
async function main(): Promise<void> {
  const logger = new Logger('SampleApp');
  let loaded;
  try {
    loaded = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(`cannot start: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  for (const warning of loaded.warnings) logger.warn(warning);
  const { app } = await createApp(loaded.config);
  // Nest closes the app (HTTP server, database, Redis) on these signals, then the process ends.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  new Logger('SampleApp').error(`cannot start: ${message}`);
  process.exit(1);
});
