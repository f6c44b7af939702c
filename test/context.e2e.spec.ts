import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ExternalContextCreator } from '@nestjs/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthEvents,
  AuthTransport,
  AuthenticationFailedError,
  AuthUnavailableError,
  CurrentUser,
  configureSessions,
  type AuthRequest,
  type BaseUser,
} from 'nestjs-gatehouse';
import { transportApp, type TransportEvents } from './apps/transports.app.js';
import { startApp, type RunningApp } from './support/http-app.js';
import { credentialsOf } from './support/transport-clients.js';

/** A job of a scheduler that runs handlers with Nest's enhancers, context type `job`. */
interface Job {
  readonly name: string;
  readonly headers: Record<string, string>;
}

@Injectable()
export class Reports {
  rebuild(user: BaseUser): string {
    return `rebuilt for ${user.identity}`;
  }
}

/** The handler; it asks for the user as any handler does. */
@Injectable()
export class RebuildJob {
  constructor(private readonly reports: Reports) {}

  run(_job: Job, user: BaseUser): string {
    return this.reports.rebuild(user);
  }
}
// What `@CurrentUser()` on the second parameter records; the scheduler passes the job first.
CurrentUser()(RebuildJob.prototype, 'run', 1);

/** How the guard reads a job: the headers of whoever queued it. */
@Injectable()
export class JobTransport extends AuthTransport {
  readonly type = 'job';
  request(context: ExecutionContext): AuthRequest {
    const job = context.getArgByIndex<Job>(0);
    return {
      headers: job.headers,
      method: 'JOB',
      url: job.name,
      transport: 'job',
      operation: job.name,
    };
  }
}

/** Runs `RebuildJob.run` the way a scheduler built on Nest's ExternalContextCreator would. */
function runner(app: RunningApp): (job: Job) => Promise<string> {
  const job = app.app.get(RebuildJob);
  const run = app.app
    .get(ExternalContextCreator)
    .create(
      job,
      job.run as (...args: unknown[]) => unknown,
      'run',
      ROUTE_ARGS_METADATA,
      { exchangeKeyForValue: (_type: number, _data: unknown, args: unknown[]) => args[0] },
      undefined,
      undefined,
      { guards: true, interceptors: false, filters: false },
      'job',
    );
  return (queued) => run(queued) as Promise<string>;
}

describe('a context type no transport serves', () => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    vi.restoreAllMocks();
  });

  it('is refused (503), never let through, and the event says why', async () => {
    app = await startApp(
      'express',
      transportApp({ providers: [Reports, RebuildJob] }),
      (b) => b,
      (a) => configureSessions(a),
    );
    const events = app.app.get(AuthEvents) as TransportEvents;
    const headers = await credentialsOf(app, 'alice').bearer();
    await expect(runner(app)({ name: 'rebuild', headers })).rejects.toThrow(AuthUnavailableError);
    expect(events.events).toContainEqual(
      expect.objectContaining({
        type: 'auth_unavailable',
        reason: 'CONTEXT_UNSUPPORTED',
        transport: 'job',
        detail: 'no transport for the context type "job"',
      }),
    );
  });

  it('the start-up log names the context types served and how to add one', async () => {
    const logged = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    app = await startApp(
      'express',
      transportApp({ providers: [Reports, RebuildJob] }),
      (b) => b,
      (a) => {
        a.useLogger(new Logger());
        return configureSessions(a);
      },
    );
    const lines = logged.mock.calls.map((call) => String(call[0]));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^guarding http, graphql, ws, rpc contexts; a context of any other type is refused: to serve one, list an AuthTransport for it in AuthModule.forRoot\({ transports }\)$/,
      ),
    );
  });

  it('is served once an AuthTransport for it is configured, with the same decorators', async () => {
    app = await startApp(
      'fastify',
      transportApp({
        providers: [Reports, RebuildJob],
        extras: { transports: [JobTransport] },
      }),
      (b) => b,
      (a) => configureSessions(a),
    );
    const run = runner(app);
    const headers = await credentialsOf(app, 'bob').bearer();
    expect(await run({ name: 'rebuild', headers })).toBe('rebuilt for bob');
    await expect(run({ name: 'rebuild', headers: {} })).rejects.toThrow(AuthenticationFailedError);
    const events = app.app.get(AuthEvents) as TransportEvents;
    expect(events.events).toContainEqual(
      expect.objectContaining({
        type: 'authentication_failed',
        transport: 'job',
        operation: 'rebuild',
      }),
    );
  });
});
