import { Injectable } from '@nestjs/common';
import type { Report } from './reports.repository.js';

/**
 * New reports as they are created, for the GraphQL subscription `reportCreated`: each
 * subscriber gets its own queue, which ends when the subscription does.
 */
@Injectable()
export class ReportFeed {
  private readonly subscribers = new Set<(report: Report) => void>();

  /** Tells every subscriber about `report`. */
  publish(report: Report): void {
    for (const subscriber of this.subscribers) subscriber(report);
  }

  /** The reports created from now on, as the value of a subscription field. */
  subscribe<K extends string>(field: K): AsyncIterableIterator<Record<K, Report>> {
    const queue: Report[] = [];
    let wake: (() => void) | undefined;
    const subscriber = (report: Report) => {
      queue.push(report);
      wake?.();
    };
    this.subscribers.add(subscriber);
    const subscribers = this.subscribers;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        return { value: { [field]: queue.shift()! } as Record<K, Report>, done: false };
      },
      async return() {
        subscribers.delete(subscriber);
        return { value: undefined, done: true };
      },
    };
  }
}
