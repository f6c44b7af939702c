import passport from 'passport';
import type { Strategy } from 'passport';

/** How one run of a passport strategy ended. */
export type StrategyOutcome =
  | { kind: 'success'; user: unknown; info: unknown }
  | { kind: 'fail'; reason: string }
  | { kind: 'error'; error: unknown };

/**
 * Runs passport strategies as promises.
 *
 * This is the only file that imports 'passport'. Each adapter owns a private `Passport` instance,
 * never the global singleton, so two modules (or two strategies with the same name) cannot
 * overwrite each other's registration.
 */
export class PassportAdapter {
  private readonly passport = new passport.Passport();

  constructor(
    private readonly strategyName: string,
    strategy: Strategy,
  ) {
    this.passport.use(strategyName, strategy);
  }

  /** Runs the strategy against `request` and reports how it ended. It never rejects. */
  run(request: object): Promise<StrategyOutcome> {
    return new Promise<StrategyOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: StrategyOutcome): void => {
        if (!settled) {
          settled = true;
          resolve(outcome);
        }
      };
      const middleware = this.passport.authenticate(
        this.strategyName,
        { session: false, failWithError: false },
        (err: unknown, user: unknown, info: unknown) => {
          if (err) settle({ kind: 'error', error: err });
          else if (user) settle({ kind: 'success', user, info });
          else settle({ kind: 'fail', reason: describe(info) });
        },
      ) as (req: object, res: object, next: (err?: unknown) => void) => void;
      try {
        middleware(request, redirectRecorder(settle), (err?: unknown) =>
          // `pass()` (no decision) and unexpected middleware errors both land here.
          settle(err ? { kind: 'error', error: err } : { kind: 'fail', reason: 'strategy passed' }),
        );
      } catch (err) {
        settle({ kind: 'error', error: err });
      }
    });
  }
}

/** A stand-in response: a strategy that redirects (an OAuth hop) cannot authenticate an API call. */
function redirectRecorder(settle: (o: StrategyOutcome) => void): object {
  return {
    statusCode: 200,
    setHeader: () => undefined,
    end: () => settle({ kind: 'fail', reason: 'strategy redirected' }),
  };
}

function describe(info: unknown): string {
  if (info === undefined || info === null) return 'strategy failed';
  if (typeof info === 'string') return info;
  if (Array.isArray(info)) return info.map(describe).join('; ');
  if (info instanceof Error) return info.message;
  if (typeof info === 'object' && 'message' in info && typeof info.message === 'string') {
    return info.message;
  }
  return 'strategy failed';
}
