import { Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuthConfigurationError } from '../core/auth-error.js';
import { SessionSettings } from './session-settings.js';

/** The session middleware `configureSessions` installed: express-session, or the Fastify layer. */
export type SessionMiddlewareKind = 'express' | 'fastify';

/**
 * Whether `configureSessions(app)` put the session middleware in place, checked when the
 * application starts: without it every session request would fail, so the start fails instead,
 * with the fix. Internal.
 */
@Injectable()
export class SessionInstallation implements OnApplicationBootstrap {
  private static readonly logger = new Logger('Gatehouse');
  private middleware: SessionMiddlewareKind | undefined;

  constructor(
    private readonly settings: SessionSettings,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Called by `configureSessions` once the middleware is in place. */
  markInstalled(middleware: SessionMiddlewareKind): void {
    this.middleware = middleware;
  }

  /** Whether `configureSessions(app)` ran. */
  get isInstalled(): boolean {
    return this.middleware !== undefined;
  }

  /** Which middleware signs the cookies, once `configureSessions(app)` ran. */
  get installedMiddleware(): SessionMiddlewareKind | undefined {
    return this.middleware;
  }

  onApplicationBootstrap(): void {
    // A module compiled without an HTTP application (a unit test) has no adapter and is let be.
    if (this.adapterHost?.httpAdapter && !this.isInstalled) {
      throw new AuthConfigurationError(
        'session',
        'SessionBackend is configured, but the session middleware is not installed',
        'call `await configureSessions(app)` in main.ts (and in e2e tests) before `app.listen()` or `app.init()`',
      );
    }
    if (!this.settings.secure) {
      SessionInstallation.logger.warn(
        'session.secure is false: the session cookie is sent over plain HTTP. Use this only for local development and tests.',
      );
    }
  }
}
