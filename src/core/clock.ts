/**
 * The only source of time in the library. Tests swap it for a fake clock instead of sleeping.
 *
 * Provide your own with `{ provide: Clock, useValue: myClock }` in `AuthModule.forRoot({ providers })`
 * or with `Test.createTestingModule(...).overrideProvider(Clock)`.
 */
export abstract class Clock {
  /** Milliseconds since the Unix epoch. */
  abstract now(): number;
}

/** The default clock: `Date.now()`. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/**
 * A clock that only moves when told to. Meant for tests.
 *
 * @example
 * const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
 * clock.advance(15 * 60_000);
 */
export class FakeClock extends Clock {
  constructor(private current: number = Date.now()) {
    super();
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the clock to an absolute time in milliseconds. */
  set(ms: number): void {
    this.current = ms;
  }
}
