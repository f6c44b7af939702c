import { Injectable } from '@nestjs/common';
import { InMemoryRevocationStore, type ConsumeOptions, type ConsumeResult } from 'nestjs-gatehouse';

/**
 * The in-memory store, but a test can hold a refresh at the moment it spends its token, to run
 * another request in exactly that gap, as a slower store (Redis) lets happen on its own.
 */
@Injectable()
export class GatedRevocationStore extends InMemoryRevocationStore {
  private gate: { reached: () => void; released: Promise<void> } | undefined;

  /** Holds the next spend; resolves once a refresh is held there. Call the returned release. */
  hold(): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.gate = { reached, released };
    return { reached: reachedPromise, release };
  }

  override async consumeRefreshToken(
    family: string,
    generation: number,
    until: number,
    options?: ConsumeOptions,
  ): Promise<ConsumeResult> {
    const gate = this.gate;
    this.gate = undefined;
    if (gate) {
      gate.reached();
      await gate.released;
    }
    return super.consumeRefreshToken(family, generation, until, options);
  }
}
