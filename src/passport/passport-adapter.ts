import passport from 'passport';
import type { Strategy } from 'passport';
import { isAuthReasonCode, type AuthRejection } from '../core/auth-reason.js';

/** How one run of a passport strategy ended. */
export type StrategyOutcome =
  | { kind: 'success'; user: unknown; info: unknown }
  | ({
      kind: 'fail';
      /**
       * The strategy refused before its verify callback ran, saying the request was incomplete
       * (status 400, as passport-local does for absent fields).
       */
      incomplete: boolean;
    } & AuthRejection)
  | { kind: 'error'; error: unknown };

/** The action functions passport binds onto a per-request copy of a strategy. */
interface StrategyActions {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  error(err: unknown): void;
  pass(): void;
  redirect(url: string, status?: number): void;
  authenticate(request: object, options: object): void;
  _verify?: (...args: unknown[]) => unknown;
  _challenge?: (...args: unknown[]) => unknown;
}

const OPTIONS = Object.freeze({ session: false });

/** A passport instance: the global one's class, of which the library only makes private ones. */
type Passport = InstanceType<typeof passport.Passport>;

/**
 * Runs passport strategies as promises.
 *
 * This is the only file that imports 'passport'. Each adapter registers its strategy on a private
 * `Passport` instance, never the global singleton, so two modules (or two strategies with the same
 * name) cannot overwrite each other's registration.
 *
 * It then drives the strategy the way passport's own `authenticate` middleware does (a per-request
 * copy of the strategy with `success`/`fail`/`error`/`pass`/`redirect` bound to the request), but
 * without that middleware's session, flash and redirect machinery, which an API guard never uses
 * and which would add `login`/`logout` functions to every request object.
 */
export class PassportAdapter {
  private readonly strategy: StrategyActions;
  // The one copy of the strategy runAtOnce reuses, made on its first call.
  private once: { run: StrategyActions; state: ReusableState } | undefined;

  /**
   * Registers `strategy` as `strategyName` on `instance`: a new private `Passport` unless given
   * one, such as {@link PrivatePassport.instance}, that the strategy registered itself on.
   */
  constructor(
    strategyName: string,
    strategy: Strategy,
    instance: Passport = new passport.Passport(),
  ) {
    instance.use(strategyName, strategy);
    // The registered instance, looked up through the private Passport it belongs to.
    this.strategy = (instance as unknown as { _strategy(name: string): StrategyActions })._strategy(
      strategyName,
    );
  }

  /**
   * The authentication scheme the strategy challenges with (`Basic` for passport-http's
   * `BasicStrategy`), from its `_challenge()` when it has one.
   */
  get challengeScheme(): string | undefined {
    if (typeof this.strategy._challenge !== 'function') return undefined;
    try {
      const challenge = this.strategy._challenge();
      const scheme = typeof challenge === 'string' ? challenge.split(' ')[0] : undefined;
      return scheme && /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,32}$/.test(scheme) ? scheme : undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs the strategy against `request` and reports how it ended. It never rejects. */
  run(request: object): Promise<StrategyOutcome> {
    const outcome = this.runNow(request);
    return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
  }

  /**
   * {@link run}, but the outcome itself when the strategy ended before `authenticate` returned,
   * as passport-jwt does with a fixed key: no promise and no microtask on a hot path. A promise
   * otherwise; it never rejects.
   */
  runNow(request: object): StrategyOutcome | Promise<StrategyOutcome> {
    let outcome: StrategyOutcome | undefined;
    let resolve: ((outcome: StrategyOutcome) => void) | undefined;
    const state: RunState = {
      verifying: false,
      // The first action decides, so a strategy that calls two cannot change the outcome.
      settle(ended) {
        if (outcome !== undefined) return;
        outcome = ended;
        resolve?.(ended);
      },
    };
    authenticateOnce(this.bind(state), request, state);
    if (outcome !== undefined) return outcome;
    return new Promise<StrategyOutcome>((later) => {
      resolve = later;
    });
  }

  /**
   * {@link runNow} for a strategy that always ends before `authenticate` returns, because its
   * verify callback is the caller's own and answers at once (passport-headerapikey handing on
   * the key). Every run reuses one copy of the strategy and its bound actions, so a request
   * makes no copy and no closures. Since nothing is left pending, an action called after
   * `authenticate` returned is ignored, and a run that has not ended by then is an `error`
   * outcome: such a strategy belongs with {@link runNow}.
   */
  runAtOnce(request: object): StrategyOutcome {
    const once = (this.once ??= this.reusableRun());
    const state = once.state;
    // A verify callback that ran the adapter again would share the outer run's state, and one
    // request's outcome could be handed to the other: the inner run is refused as an error.
    if (state.open) return REENTERED;
    state.open = true;
    state.verifying = false;
    authenticateOnce(once.run, request, state);
    state.open = false;
    const outcome = state.outcome ?? NOT_AT_ONCE;
    // A run that did not end may still hold the copy's actions and call them later, during
    // another request's run: the copy is dropped so those actions report to a closed state.
    if (state.outcome === undefined) this.once = undefined;
    // The outcome may carry the credential; the adapter keeps nothing of a request.
    state.outcome = undefined;
    return outcome;
  }

  private reusableRun(): { run: StrategyActions; state: ReusableState } {
    const state: ReusableState = {
      open: false,
      verifying: false,
      outcome: undefined,
      settle(ended) {
        if (state.open && state.outcome === undefined) state.outcome = ended;
      },
    };
    return { run: this.bind(state), state };
  }

  /**
   * A copy of the strategy with `success`/`fail`/`error`/`pass`/`redirect` reporting to
   * `state`, as passport's middleware binds them per request. They are arrow functions: some
   * strategies hand them on unbound, as callbacks.
   */
  private bind(state: RunState): StrategyActions {
    const run = Object.create(this.strategy) as StrategyActions;
    const verify = this.strategy._verify;
    if (typeof verify === 'function') {
      run._verify = function (this: unknown, ...args: unknown[]) {
        state.verifying = true;
        return verify.apply(this, args);
      };
    }
    run.success = (user, info) =>
      state.settle(
        user
          ? { kind: 'success', user, info }
          : {
              kind: 'fail',
              incomplete: false,
              reason: 'CREDENTIAL_INVALID',
              detail: 'the strategy gave no user',
            },
      );
    run.fail = (challenge, status) =>
      state.settle(
        failure(challenge, status, !state.verifying && (status === 400 || challenge === 400)),
      );
    run.error = (error) => state.settle({ kind: 'error', error });
    run.pass = () => state.settle(DECLINED_PASS);
    // A strategy that redirects (an OAuth hop) cannot authenticate an API call.
    run.redirect = () => state.settle(DECLINED_REDIRECT);
    return run;
  }
}

/** Where the actions of one run report. */
interface RunState {
  /** Whether the strategy's `_verify` was called (a refusal after it is not "incomplete"). */
  verifying: boolean;
  settle(outcome: StrategyOutcome): void;
}

/** The state {@link PassportAdapter.runAtOnce} reuses: open only while `authenticate` runs. */
interface ReusableState extends RunState {
  open: boolean;
  outcome: StrategyOutcome | undefined;
}

function authenticateOnce(run: StrategyActions, request: object, state: RunState): void {
  try {
    run.authenticate(request, OPTIONS);
  } catch (error) {
    state.settle({ kind: 'error', error });
  }
}

const NOT_AT_ONCE: StrategyOutcome = Object.freeze({
  kind: 'error',
  error: new Error('the strategy had not ended when authenticate returned'),
});
const REENTERED: StrategyOutcome = Object.freeze({
  kind: 'error',
  error: new Error('runAtOnce was called again while a run was in progress'),
});
const DECLINED_PASS: StrategyOutcome = Object.freeze({
  kind: 'fail',
  incomplete: false,
  reason: 'PASSPORT_STRATEGY_DECLINED',
  detail: 'it passed',
});
const DECLINED_REDIRECT: StrategyOutcome = Object.freeze({
  kind: 'fail',
  incomplete: false,
  reason: 'PASSPORT_STRATEGY_DECLINED',
  detail: 'it redirected',
});

/**
 * The reason of a strategy's `fail`. A challenge of the form `{ reason, detail? }` with a known
 * code (what a verify callback hands to `done(null, false, info)`) keeps its code and detail.
 * Anything else is `CREDENTIAL_INVALID`: a strategy's own challenge or message is free text, and
 * may echo what the client sent, so it never becomes the reason or the detail.
 */
function failure(challenge: unknown, status: unknown, incomplete: boolean): StrategyOutcome {
  if (typeof challenge === 'object' && challenge !== null && 'reason' in challenge) {
    const { reason, detail } = challenge as { reason: unknown; detail?: unknown };
    if (isAuthReasonCode(reason)) {
      return {
        kind: 'fail',
        incomplete,
        reason,
        detail: typeof detail === 'string' ? detail : undefined,
      };
    }
  }
  const code = typeof challenge === 'number' ? challenge : status;
  return {
    kind: 'fail',
    incomplete,
    reason: 'CREDENTIAL_INVALID',
    detail:
      typeof code === 'number' ? `the strategy failed with status ${code}` : 'the strategy failed',
  };
}

/**
 * A private `Passport` for strategies that register themselves when they are built, as
 * `@nestjs/passport`'s `PassportStrategy(Strategy, name)` classes do through their
 * `getPassportInstance()`. It remembers the name and the strategy of the registration.
 */
export class PrivatePassport {
  private readonly passport = new passport.Passport();
  private registration: { name: string; strategy: Strategy } | undefined;

  /** What the strategy's `getPassportInstance()` returns: this private Passport. */
  readonly instance: object;

  constructor() {
    const instance = Object.create(this.passport) as Passport;
    // Passport's own rule: `use(strategy)` registers it under the strategy's `name`.
    instance.use = ((name: string | Strategy, strategy?: Strategy) => {
      const registered = typeof name === 'string' ? strategy! : name;
      const as = typeof name === 'string' ? name : name.name;
      this.passport.use(as!, registered);
      this.registration = { name: as!, strategy: registered };
      return instance;
    }) as typeof instance.use;
    this.instance = instance;
  }

  /** The name the strategy registered under, or `undefined` if it has not registered yet. */
  get name(): string | undefined {
    return this.registration?.name;
  }

  /** An adapter that runs the registered strategy on this private Passport. */
  adapter(): PassportAdapter {
    if (!this.registration) throw new Error('no strategy registered on this private Passport');
    return new PassportAdapter(this.registration.name, this.registration.strategy, this.passport);
  }
}
