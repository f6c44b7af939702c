import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoggerAuthEvents } from './auth-events.js';

describe('LoggerAuthEvents', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the reason code bare and the detail quoted, so one event stays one field each', () => {
    const debug = vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    new LoggerAuthEvents().emit({
      type: 'authentication_failed',
      at: 0,
      backend: 'jwt',
      reason: 'JWT_TYP_MISMATCH',
      detail: 'expected "at+jwt", received "JWT"',
      method: 'GET',
      path: '/me',
    });
    expect(debug.mock.calls[0]![0]).toBe(
      'authentication_failed backend=jwt GET /me reason=JWT_TYP_MISMATCH detail="expected \\"at+jwt\\", received \\"JWT\\""',
    );
  });
});
