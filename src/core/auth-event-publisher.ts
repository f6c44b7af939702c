import { Injectable, Logger } from '@nestjs/common';
import { sanitizeDetail } from './auth-reason.js';
import type { AuthEvent, AuthEventType } from './auth-event.js';
import { AuthEvents, LoggerAuthEvents } from './auth-events.js';
import { Clock } from './clock.js';

/** An {@link AuthEvent} before the publisher stamps its time. */
export type AuthEventInput = Omit<AuthEvent, 'at'>;

/** Something in the library that reacts to events as they are published (see `subscribe`). */
export type AuthEventListener = (event: AuthEvent) => void;

/** A listener, with the types it asked for (`undefined`: every type). */
interface Subscription {
  readonly listener: AuthEventListener;
  readonly types: ReadonlySet<string> | undefined;
}

/**
 * The one way auth events reach the {@link AuthEvents} sink, with one policy: the time comes from
 * the `Clock`, and a sink that throws is logged (one error line per failed event, naming its
 * type) and otherwise ignored. An audit failure never grants, denies or undoes anything, and
 * `publish` never throws.
 *
 * `AuthModule` provides it. Applications may publish their own events through it too.
 *
 * @example
 * @Injectable()
 * export class Passwords {
 *   constructor(private readonly events: AuthEventPublisher) {}
 *
 *   async changed(user: BaseUser) {
 *     // … after the new hash is stored
 *     this.events.publish({ type: 'password_changed', identity: user.identity, backend: null });
 *   }
 * }
 */
@Injectable()
export class AuthEventPublisher {
  private static readonly logger = new Logger('Gatehouse');
  private readonly listeners: Subscription[] = [];
  // Whether a listener reads successes; kept up to date by `subscribe`, as it is asked per
  // request.
  private listenersReadSuccesses = false;

  constructor(
    private readonly sink: AuthEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * Whether an event of `type` would reach anyone: the sink or a listener. `false` only when
   * publishing it would change nothing, so a caller on the request path may skip building it.
   */
  wants(type: AuthEventType): boolean {
    // The default sink's own `emit` drops successful authentications (one line per request
    // would drown the log); a sink with any other `emit` (a subclass's, or one replaced after
    // start-up, as a test spy is) gets every event. Asked here, not once at start-up, for that.
    return (
      type !== 'authenticated' ||
      this.listenersReadSuccesses ||
      this.sink.emit !== LoggerAuthEvents.prototype.emit
    );
  }

  /** Stamps `event` with the time and hands it to the sink. */
  publish(event: AuthEventInput): void {
    // Field by field, so every event has one shape whichever site built it, and a detail an
    // application wrote is sanitised like the library's own.
    const stamped: AuthEvent = {
      type: event.type,
      at: this.clock.now(),
      backend: event.backend,
      identity: event.identity,
      reason: event.reason,
      detail: sanitizeDetail(event.detail),
      credentialId: event.credentialId,
      method: event.method,
      path: event.path,
      transport: event.transport,
      operation: event.operation,
      ip: event.ip,
      error: event.error,
    };
    try {
      this.sink.emit(stamped);
    } catch (error) {
      AuthEventPublisher.logger.error(
        `auth event sink failed on ${stamped.type}`,
        error instanceof Error ? error.stack : String(error),
      );
    }
    for (const { listener, types } of this.listeners) {
      if (types !== undefined && !types.has(stamped.type)) continue;
      try {
        listener(stamped);
      } catch (error) {
        AuthEventPublisher.logger.error(
          `auth event listener failed on ${stamped.type}`,
          error instanceof Error ? error.stack : String(error),
        );
      }
    }
  }

  /**
   * Calls `listener` with every event after the sink, under the same policy (a throw is logged
   * and ignored). The library uses it to end open connections as soon as their credential is
   * revoked. With `types`, only events of those types reach it. Returns the function that
   * removes the listener.
   */
  subscribe(
    listener: AuthEventListener,
    types?: AuthEventType | Iterable<AuthEventType>,
  ): () => void {
    const subscription: Subscription = {
      listener,
      // One type given as a string is that type, not the set of its letters.
      types: types === undefined ? undefined : new Set(typeof types === 'string' ? [types] : types),
    };
    this.listeners.push(subscription);
    this.countReaders();
    return () => {
      const index = this.listeners.indexOf(subscription);
      if (index !== -1) this.listeners.splice(index, 1);
      this.countReaders();
    };
  }

  private countReaders(): void {
    this.listenersReadSuccesses = this.listeners.some(
      ({ types }) => types === undefined || types.has('authenticated'),
    );
  }
}
