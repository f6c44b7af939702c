import { describe, expect, it } from 'vitest';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { DeviceTokens } from './device-tokens.js';

const SECRET = 'device-token-secret-0123456789-abcdefghijklmnop';
const OLD = 'device-token-secret-retired-0123456789-abcdefgh';
const DAY = 86_400_000;

describe('DeviceTokens', () => {
  const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
  const tokens = new DeviceTokens([SECRET], 30 * DAY, clock);

  it('issues a token that verifies for its account, with a random id', () => {
    const token = tokens.issue('alice');
    expect(token).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.verify(token, 'alice')).toBe(token.split('.')[1]);
    expect(tokens.issue('alice').split('.')[1]).not.toBe(token.split('.')[1]);
  });

  it('is bound to one account: useless for any other, whatever the spelling', () => {
    const token = tokens.issue('alice');
    for (const other of ['bob', 'Alice', 'alice ', '', '["alice"]']) {
      expect(tokens.verify(token, other)).toBeNull();
    }
  });

  it('refuses a token changed anywhere', () => {
    const token = tokens.issue('alice');
    const [stamp, id, mac] = token.split('.') as [string, string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [
      `${(parseInt(stamp, 36) + 1).toString(36)}.${id}.${mac}`,
      `${stamp}.${flip(id)}.${mac}`,
      `${stamp}.${id}.${flip(mac)}`,
      `${stamp}.${id}.${mac}x`,
      `${stamp}.${id}`,
      `${token}.x`,
      '',
      'x'.repeat(5000),
    ]) {
      expect(tokens.verify(forged, 'alice')).toBeNull();
    }
  });

  it('refuses a token signed with another secret, and accepts a rotated-out one', () => {
    const foreign = new DeviceTokens([OLD], 30 * DAY, clock).issue('alice');
    expect(tokens.verify(foreign, 'alice')).toBeNull();
    const rotated = new DeviceTokens([SECRET, OLD], 30 * DAY, clock);
    expect(rotated.verify(foreign, 'alice')).not.toBeNull();
    expect(rotated.verify(tokens.issue('alice'), 'alice')).not.toBeNull();
  });

  it('expires after its lifetime, and refuses one issued in the future', () => {
    const own = new FakeClock(clock.now());
    const shortLived = new DeviceTokens([SECRET], DAY, own);
    const token = shortLived.issue('alice');
    own.advance(DAY - 1000);
    expect(shortLived.verify(token, 'alice')).not.toBeNull();
    own.advance(1000);
    expect(shortLived.verify(token, 'alice')).toBeNull();
    const ahead = new DeviceTokens([SECRET], DAY, new FakeClock(clock.now() + 3_600_000));
    expect(tokens.verify(ahead.issue('alice'), 'alice')).toBeNull();
  });
});
