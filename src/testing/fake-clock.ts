import { Clock } from '../core/clock.js';

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
