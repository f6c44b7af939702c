import { inspect } from 'node:util';
import passport from 'passport';
import type { Strategy } from 'passport';
import { describe, expect, it } from 'vitest';
import { PassportAdapter } from './passport-adapter.js';

type Actions = Record<
  'success' | 'fail' | 'error' | 'pass' | 'redirect',
  (...a: unknown[]) => void
>;

/** A strategy whose outcome is chosen by the request's `action` field. */
function scriptedStrategy(label: string): Strategy {
  return {
    name: 'scripted',
    authenticate(this: Actions, req: { action: string }) {
      const action = req.action;
      if (action === 'success') this.success({ id: label });
      else if (action === 'fail') this.fail({ message: 'bad credentials' }, 401);
      else if (action === 'error') this.error(new Error('store down'));
      else if (action === 'pass') this.pass();
      else if (action === 'redirect') this.redirect('https://idp.example/authorize');
      else if (action === 'twice') {
        this.success({ id: label });
        this.fail('late');
      } else throw new Error('strategy bug');
    },
  } as unknown as Strategy;
}

describe('PassportAdapter', () => {
  it('maps every strategy action to an outcome and never rejects', async () => {
    const adapter = new PassportAdapter('scripted', scriptedStrategy('a'));
    expect(await adapter.run({ action: 'success' })).toEqual({
      kind: 'success',
      user: { id: 'a' },
      info: undefined,
    });
    // The strategy's message ("bad credentials") is free text and never becomes the reason.
    expect(await adapter.run({ action: 'fail' })).toEqual({
      kind: 'fail',
      incomplete: false,
      reason: 'CREDENTIAL_INVALID',
      detail: 'the strategy failed with status 401',
    });
    expect(await adapter.run({ action: 'error' })).toMatchObject({ kind: 'error' });
    expect(await adapter.run({ action: 'pass' })).toEqual({
      kind: 'fail',
      incomplete: false,
      reason: 'PASSPORT_STRATEGY_DECLINED',
      detail: 'it passed',
    });
    expect(await adapter.run({ action: 'redirect' })).toEqual({
      kind: 'fail',
      incomplete: false,
      reason: 'PASSPORT_STRATEGY_DECLINED',
      detail: 'it redirected',
    });
    expect(await adapter.run({ action: 'throw' })).toMatchObject({ kind: 'error' });
  });

  it('keeps the first outcome when a strategy calls two actions', async () => {
    const adapter = new PassportAdapter('scripted', scriptedStrategy('a'));
    expect(await adapter.run({ action: 'twice' })).toMatchObject({ kind: 'success' });
  });

  it('two adapters with the same strategy name do not overwrite each other', async () => {
    const first = new PassportAdapter('same', scriptedStrategy('first'));
    const second = new PassportAdapter('same', scriptedStrategy('second'));
    expect(await first.run({ action: 'success' })).toMatchObject({ user: { id: 'first' } });
    expect(await second.run({ action: 'success' })).toMatchObject({ user: { id: 'second' } });
  });

  it('never registers on the global passport singleton', () => {
    new PassportAdapter('not-global', scriptedStrategy('x'));
    const global = passport as unknown as { _strategy(name: string): unknown };
    expect(global._strategy('not-global')).toBeUndefined();
  });

  it('adds nothing to the request object', async () => {
    const request = { action: 'success' };
    await new PassportAdapter('scripted', scriptedStrategy('a')).run(request);
    expect(Object.keys(request)).toEqual(['action']);
  });
  it('settles when a strategy hands its actions on unbound, as callbacks', async () => {
    // A common style: `verify(...).then(this.success, this.fail)`. Passport's own middleware
    // binds the actions per request, so strategies may rely on it.
    const detached = {
      name: 'detached',
      authenticate(this: Actions) {
        const success = this.success;
        const fail = this.fail;
        void Promise.resolve({ id: 'alice' }).then((user) => success(user), fail);
      },
    } as unknown as Strategy;
    const outcome = await new PassportAdapter('detached', detached).run({});
    expect(outcome).toMatchObject({ kind: 'success', user: { id: 'alice' } });
  });

  it("a strategy's own helper methods do not collide with the adapter's bookkeeping", async () => {
    class OwnHelpers {
      name = 'own';
      settle(user: unknown) {
        (this as unknown as Actions).success(user);
      }
      resolve() {
        return 'not the adapter';
      }
      authenticate() {
        this.settle({ id: 'bob' });
      }
    }
    const outcome = await new PassportAdapter('own', new OwnHelpers() as unknown as Strategy).run(
      {},
    );
    expect(outcome).toMatchObject({ kind: 'success', user: { id: 'bob' } });
  });

  it('keeps a code handed to fail, and drops any other challenge text', async () => {
    const failingWith = (challenge: unknown) =>
      new PassportAdapter('failing', {
        name: 'failing',
        authenticate(this: Actions) {
          this.fail(challenge);
        },
      } as unknown as Strategy).run({});
    expect(await failingWith({ reason: 'API_KEY_REVOKED', detail: 'since Monday' })).toEqual({
      kind: 'fail',
      incomplete: false,
      reason: 'API_KEY_REVOKED',
      detail: 'since Monday',
    });
    // Free text, an unknown code, or a message echoing the client: the reason stays generic.
    for (const challenge of [
      'Invalid token\r\nINFO admin logged in',
      { reason: 'made up', detail: 'x' },
      { message: 'no user alice<script>' },
      new Error('jwt malformed'),
    ]) {
      expect(await failingWith(challenge)).toEqual({
        kind: 'fail',
        incomplete: false,
        reason: 'CREDENTIAL_INVALID',
        detail: 'the strategy failed',
      });
    }
    // A 400 before any verify callback ran: the request was incomplete (no credential at all).
    expect(await failingWith(400)).toEqual({
      kind: 'fail',
      incomplete: true,
      reason: 'CREDENTIAL_INVALID',
      detail: 'the strategy failed with status 400',
    });
  });

  it('tells an incomplete request from a refused credential: did the verify callback run?', async () => {
    // Shaped like passport-local: 400 for absent fields, the verify callback for the others.
    class LocalLike {
      name = 'local-like';
      constructor(
        private readonly _verify: (u: string, done: (e: unknown, user?: unknown) => void) => void,
      ) {}
      authenticate(
        this: Actions & { _verify: LocalLike['_verify'] },
        req: { body?: { u?: string } },
      ) {
        const u = req.body?.u;
        if (!u) return this.fail({ message: 'Missing credentials' }, 400);
        this._verify(u, (error, user) =>
          user ? this.success(user) : this.fail({ message: 'bad' }, 400),
        );
      }
    }
    const adapter = new PassportAdapter(
      'local-like',
      new LocalLike((u, done) =>
        done(null, u === 'alice' ? { id: 'alice' } : false),
      ) as unknown as Strategy,
    );
    expect(await adapter.run({ body: {} })).toMatchObject({ kind: 'fail', incomplete: true });
    expect(await adapter.run({ body: { u: 'mallory' } })).toMatchObject({
      kind: 'fail',
      incomplete: false,
    });
    expect(await adapter.run({ body: { u: 'alice' } })).toMatchObject({ kind: 'success' });
  });

  it('runNow reports a strategy that ends at once, without a promise', () => {
    const adapter = new PassportAdapter('scripted', scriptedStrategy('a'));
    expect(adapter.runNow({ action: 'success' })).toEqual({
      kind: 'success',
      user: { id: 'a' },
      info: undefined,
    });
    expect(adapter.runNow({ action: 'fail' })).toMatchObject({
      kind: 'fail',
      reason: 'CREDENTIAL_INVALID',
    });
    expect(adapter.runNow({ action: 'twice' })).toMatchObject({ kind: 'success' });
    expect(adapter.runNow({ action: 'throw' })).toMatchObject({ kind: 'error' });
  });

  it('runNow gives a promise for a strategy that ends later, and the first action still wins', async () => {
    let late: (() => void) | undefined;
    const later = {
      name: 'later',
      authenticate(this: Actions) {
        late = () => {
          this.success({ id: 'in time' });
          this.fail();
        };
      },
    } as unknown as Strategy;
    const adapter = new PassportAdapter('later', later);
    const pending = adapter.runNow({});
    expect(pending).toBeInstanceOf(Promise);
    late!();
    expect(await pending).toMatchObject({ kind: 'success', user: { id: 'in time' } });
  });

  it('runAtOnce reports every outcome at once, the first action winning, on one reused copy', () => {
    const adapter = new PassportAdapter('scripted', scriptedStrategy('a'));
    const request = { action: 'success' };
    expect(adapter.runAtOnce(request)).toEqual({
      kind: 'success',
      user: { id: 'a' },
      info: undefined,
    });
    expect(adapter.runAtOnce({ action: 'fail' })).toEqual({
      kind: 'fail',
      incomplete: false,
      reason: 'CREDENTIAL_INVALID',
      detail: 'the strategy failed with status 401',
    });
    expect(adapter.runAtOnce({ action: 'twice' })).toMatchObject({ kind: 'success' });
    expect(adapter.runAtOnce({ action: 'throw' })).toMatchObject({ kind: 'error' });
    expect(adapter.runAtOnce({ action: 'pass' })).toMatchObject({ detail: 'it passed' });
    // Each run starts afresh: the outcome of the last one never answers the next.
    expect(adapter.runAtOnce({ action: 'error' })).toMatchObject({ kind: 'error' });
    expect(adapter.runAtOnce(request)).toMatchObject({ kind: 'success' });
    expect(Object.keys(request)).toEqual(['action']);
  });

  it('runAtOnce: a strategy that has not ended is an error, and its late actions are ignored', () => {
    let late: (() => void) | undefined;
    const adapter = new PassportAdapter('later', {
      name: 'later',
      authenticate(this: Actions, req: { now?: boolean }) {
        if (req.now) this.fail({ reason: 'API_KEY_REVOKED' });
        else late = () => this.success({ id: 'too late' });
      },
    } as unknown as Strategy);
    expect(adapter.runAtOnce({})).toMatchObject({ kind: 'error' });
    late!();
    // The late success reaches no later run either.
    expect(adapter.runAtOnce({ now: true })).toMatchObject({
      kind: 'fail',
      reason: 'API_KEY_REVOKED',
    });
    late!();
    expect(adapter.runAtOnce({})).toMatchObject({ kind: 'error' });
  });

  it("runAtOnce: a late action fired during another request's run does not decide it", () => {
    let late: (() => void) | undefined;
    const adapter = new PassportAdapter('later', {
      name: 'later',
      authenticate(this: Actions, req: { who?: string; fireLate?: boolean }) {
        if (req.fireLate) {
          // The first request's stored success fires inside the second request's run.
          late!();
          return this.fail({ reason: 'API_KEY_UNKNOWN' });
        }
        late = () => this.success({ id: req.who });
      },
    } as unknown as Strategy);
    expect(adapter.runAtOnce({ who: 'alice' })).toMatchObject({ kind: 'error' });
    expect(adapter.runAtOnce({ fireLate: true })).toMatchObject({
      kind: 'fail',
      reason: 'API_KEY_UNKNOWN',
    });
  });

  it('runAtOnce: a run started from inside another is refused, and the outer keeps its own outcome', () => {
    let inner: unknown;
    const adapter: PassportAdapter = new PassportAdapter('nested', {
      name: 'nested',
      authenticate(this: Actions, req: { who: string }) {
        this.success({ id: req.who });
        if (req.who === 'alice') inner = adapter.runAtOnce({ who: 'mallory' });
      },
    } as unknown as Strategy);
    expect(adapter.runAtOnce({ who: 'alice' })).toMatchObject({
      kind: 'success',
      user: { id: 'alice' },
    });
    expect(inner).toMatchObject({ kind: 'error' });
    expect(adapter.runAtOnce({ who: 'bob' })).toMatchObject({
      kind: 'success',
      user: { id: 'bob' },
    });
  });

  it('runAtOnce tells an incomplete request from a refused credential on every run', () => {
    const adapter = new PassportAdapter('local-like', {
      name: 'local-like',
      _verify: (u: string, done: (e: unknown, user?: unknown) => void) => done(null, u === 'a'),
      authenticate(
        this: Actions & { _verify(u: string, done: (e: unknown, user?: unknown) => void): void },
        req: { u?: string },
      ) {
        if (!req.u) return this.fail({ message: 'Missing credentials' }, 400);
        this._verify(req.u, (_error, ok) => (ok ? this.success({ id: req.u }) : this.fail(400)));
      },
    } as unknown as Strategy);
    expect(adapter.runAtOnce({ u: 'mallory' })).toMatchObject({ incomplete: false });
    expect(adapter.runAtOnce({})).toMatchObject({ kind: 'fail', incomplete: true });
    expect(adapter.runAtOnce({ u: 'a' })).toMatchObject({ kind: 'success' });
  });

  it('runAtOnce keeps nothing of a request once it has answered', () => {
    const adapter = new PassportAdapter('scripted', scriptedStrategy('secret-user-7f3a'));
    adapter.runAtOnce({ action: 'success' });
    expect(inspect(adapter, { depth: 8, showHidden: true })).not.toContain('secret-user-7f3a');
  });

  it("reads the scheme of the strategy's own challenge", () => {
    const withChallenge = (challenge: () => unknown) =>
      new PassportAdapter('c', {
        name: 'c',
        authenticate() {},
        _challenge: challenge,
      } as unknown as Strategy).challengeScheme;
    expect(withChallenge(() => 'Basic realm="Users"')).toBe('Basic');
    expect(withChallenge(() => 'Bad scheme\r\n realm')).toBe('Bad');
    expect(withChallenge(() => 42)).toBeUndefined();
    expect(
      withChallenge(() => {
        throw new Error('needs arguments');
      }),
    ).toBeUndefined();
    expect(
      new PassportAdapter('n', { name: 'n', authenticate() {} } as unknown as Strategy)
        .challengeScheme,
    ).toBeUndefined();
  });
});
