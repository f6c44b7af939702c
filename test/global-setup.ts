import type { TestProject } from 'vitest/node';
import { redisServerAvailable, startRedisServer } from './support/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's shared redis-server, e.g. `redis://127.0.0.1:41234`. */
    redisUrl: string;
  }
}

/**
 * Vitest global setup: starts one real redis-server for the whole run and hands its URL to the
 * specs (`inject('redisUrl')`). Specs that need their own server (to stop it and test outages)
 * start one with `startRedisServer()`.
 *
 * A missing redis-server fails the run loudly: the Redis suites are never skipped in silence.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!redisServerAvailable()) {
    throw new Error(
      '\n\n  redis-server is not installed, and the Redis suites need a real one.\n' +
        '  Install it (Debian: `apt-get install -y redis-server`) and run the tests again.\n' +
        '  .ci/run installs it on CI.\n',
    );
  }
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  return () => redis.close();
}
