import { Injectable } from '@nestjs/common';
import { AuthEvents, type AuthEvent } from 'nestjs-gatehouse';

/**
 * Keeps every auth event, so specs can check what an audit log would see: the reasons that never
 * reach the client, and that no secret was recorded.
 */
@Injectable()
export class RecordingEvents extends AuthEvents {
  readonly events: AuthEvent[] = [];

  emit(event: AuthEvent): void {
    this.events.push(event);
  }

  /** The latest event of `type`. */
  last(type: string): AuthEvent | undefined {
    return [...this.events].reverse().find((e) => e.type === type);
  }
}
