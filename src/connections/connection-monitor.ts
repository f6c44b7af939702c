import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AuthError } from '../core/auth-error.js';
import type { AuthEvent } from '../core/auth-event.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import { AuthGuard } from '../routes/auth.guard.js';
import type { RoutePolicy } from '../routes/route-policy.js';
import {
  callView,
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHORIZED,
  type Connection,
} from '../transports/connection.js';
import { TransportSettings } from '../transports/transport-settings.js';

/** Events after which a credential may no longer work: its connections are checked at once. */
const REVOCATIONS = new Set([
  'token_revoked',
  'token_reuse_detected',
  'user_tokens_revoked',
  'logout',
  'session_destroyed',
  'api_key_revoked',
]);

/** The close code of a connection whose check failed with `status`. */
const CLOSE_CODES: Readonly<Record<number, number>> = {
  401: CLOSE_UNAUTHORIZED,
  403: CLOSE_FORBIDDEN,
  // 1013 Try Again Later: a store is down, so the credential cannot be vouched for.
  503: 1013,
};

/**
 * Keeps every open connection's credential honest: it is checked again every
 * `connections.recheckIntervalSeconds`, and at once when this process publishes a revocation of
 * its user (a logout, a revoked token, session or key). A connection whose credential is gone
 * is closed with 4401 (4403 when its permission went, 1013 while a store is down); a gateway's
 * socket first gets the error event. Internal.
 */
@Injectable()
export class ConnectionMonitor implements OnModuleDestroy {
  private readonly open = new Map<Connection, RoutePolicy>();
  private readonly checking = new Set<Connection>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly guard: AuthGuard,
    private readonly settings: TransportSettings,
    events: AuthEventPublisher,
  ) {
    // Only the revocations: the guard then builds no `authenticated` event that nobody reads.
    this.unsubscribe = events.subscribe((event) => this.onEvent(event), REVOCATIONS);
  }

  /** How many connections are being watched. */
  get size(): number {
    return this.open.size;
  }

  /** Watches `connection` under `policy` (what it opened with) until {@link forget}. */
  watch(connection: Connection, policy: RoutePolicy): void {
    this.open.set(connection, policy);
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.checkAll(), this.settings.recheckIntervalMs);
      // Watching never keeps the process alive by itself.
      this.timer.unref();
    }
  }

  /** Stops watching `connection` (it closed). */
  forget(connection: Connection): void {
    this.open.delete(connection);
    if (this.open.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Checks every open connection now. */
  async checkAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((connection) => this.check(connection)));
  }

  /**
   * Checks `connection` now; a refusal closes it. Resolves with whether it is still open.
   * Only a connection that opened with a credential can lose it.
   */
  async check(connection: Connection): Promise<boolean> {
    const policy = this.open.get(connection);
    if (policy === undefined) return false;
    if (!connection.authenticated || this.checking.has(connection)) return true;
    this.checking.add(connection);
    const view = callView(connection.view, '(connection check)');
    try {
      await this.guard.authorize(view, policy, undefined, false);
      // A public gateway lets an anonymous view through: the credential is gone all the same.
      if (view.user?.isAuthenticated !== true) this.end(connection, 401, 'Unauthorized');
      return view.user?.isAuthenticated === true;
    } catch (error) {
      // Anything but the library's own refusal is a failure to vouch for the credential: 503.
      if (error instanceof AuthError) this.end(connection, error.getStatus(), error.message);
      else this.end(connection, 503, 'Service Unavailable');
      return false;
    } finally {
      this.checking.delete(connection);
    }
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.open.clear();
  }

  private end(connection: Connection, status: number, message: string): void {
    this.forget(connection);
    connection.notify?.(status, message);
    connection.close(CLOSE_CODES[status] ?? CLOSE_UNAUTHORIZED, message);
  }

  private onEvent(event: AuthEvent): void {
    if (!REVOCATIONS.has(event.type)) return;
    for (const connection of this.open.keys()) {
      if (event.identity === undefined || connection.identity === event.identity) {
        void this.check(connection);
      }
    }
  }
}
