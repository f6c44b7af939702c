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
