import type { ServerResponse } from 'node:http';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Work done off the request path, once the response has been sent, so that neither what it does
 * nor how long it takes shows in the response. A failure is logged and goes no further: there is
 * no one left to answer, and it must not bring the process down. `idle()` waits for the work
 * queued so far, at shutdown (before the database closes) and in tests.
 */
@Injectable()
export class BackgroundWork implements OnApplicationShutdown {
  private readonly logger = new Logger('BackgroundWork');
  private readonly pending = new Set<Promise<void>>();

  /**
   * Runs `job` once `after` has settled (typically {@link responseSent}), and never before the
   * caller has returned. `what` names the work in the log when it fails.
   */
  defer(what: string, job: () => unknown, after: Promise<unknown> = Promise.resolve()): void {
    const running = Promise.allSettled([after, new Promise((resolve) => setImmediate(resolve))])
      .then(job)
      .then(
        () => undefined,
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          this.logger.error(`${what} failed: ${failure.message}`, failure.stack);
        },
      )
      .finally(() => this.pending.delete(running));
    this.pending.add(running);
  }

  /** Waits until no deferred work is left, including work queued while waiting. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.idle();
  }
}

/**
 * Settles when the response has been handed to the operating system, or the connection closed
 * first. `response` is what `@Res()` gives: Express's response, or Fastify's reply.
 */
export function responseSent(response: unknown): Promise<void> {
  const raw = (response as { raw?: ServerResponse }).raw ?? (response as ServerResponse);
  if (raw.writableFinished || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    raw.once('finish', () => resolve());
    raw.once('close', () => resolve());
  });
}
