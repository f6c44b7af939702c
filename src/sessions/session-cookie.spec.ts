import { describe, expect, it } from 'vitest';
import { signSessionId, verifySessionId } from './session-cookie.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const OLD = 'the-previous-session-secret-32-characters!';

describe('session cookie signatures', () => {
  it('reads back the id it signed, and flags one signed with an older secret', () => {
    expect(verifySessionId(signSessionId('abc', SECRET), [SECRET])).toEqual({
      id: 'abc',
      stale: false,
    });
    expect(verifySessionId(signSessionId('abc', OLD), [SECRET, OLD])).toEqual({
      id: 'abc',
      stale: true,
    });
  });

  it('refuses a tampered id, a tampered signature, an unknown secret and a value with no id', () => {
    const signed = signSessionId('abc', SECRET);
    expect(verifySessionId(`abd${signed.slice(3)}`, [SECRET])).toBeUndefined();
    expect(verifySessionId(`${signed.slice(0, -1)}A`, [SECRET])).toBeUndefined();
    expect(verifySessionId(signed, [OLD])).toBeUndefined();
    expect(verifySessionId(signed.slice(signed.indexOf('.')), [SECRET])).toBeUndefined();
    expect(verifySessionId('abc.', [SECRET])).toBeUndefined();
  });

  it('refuses a value longer than any id and signature before computing an HMAC', () => {
    const id = 'x'.repeat(300);
    // Correctly signed, but no session id is that long.
    expect(verifySessionId(signSessionId(id, SECRET), [SECRET])).toBeUndefined();
    const fits = 'y'.repeat(150);
    expect(verifySessionId(signSessionId(fits, SECRET), [SECRET])?.id).toBe(fits);
  });
});
