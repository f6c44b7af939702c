import { describe, expect, it } from 'vitest';
import { cookieTransport, isLoopbackAddress, isLoopbackHost } from './loopback.js';

describe('loopback', () => {
  it.each(['127.0.0.1', '127.255.3.4', '::1', '::ffff:127.0.0.1'])(
    'counts %s as a loopback address',
    (address) => expect(isLoopbackAddress(address)).toBe(true),
  );

  it.each(['128.0.0.1', '10.0.0.1', '::2', '::ffff:10.0.0.1', '1127.0.0.1', '', undefined])(
    'does not count %s',
    (address) => expect(isLoopbackAddress(address)).toBe(false),
  );

  it.each(['localhost', 'LOCALHOST:3000', 'localhost.', '127.0.0.1:8080', '127.1', '[::1]:3000'])(
    'counts Host %s as the loopback host',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  it.each([
    'localhost.example.com',
    'app.localhost.evil.example',
    '127.0.0.1.nip.io',
    'example.com',
    '[::2]',
    'user@localhost:3000/x',
    '',
    undefined,
  ])('does not count Host %s', (host) => expect(isLoopbackHost(host)).toBe(false));

  it('needs both ends on loopback, and no proxy in between', () => {
    const local = { host: '127.0.0.1:3000' };
    expect(cookieTransport(false, local, '127.0.0.1')).toBe('loopback');
    expect(cookieTransport(true, local, '127.0.0.1')).toBe('https');
    // A browser elsewhere that reached the port, or a name that only resolves here.
    expect(cookieTransport(false, local, '192.0.2.7')).toBe('plain');
    expect(cookieTransport(false, { host: 'app.example.com' }, '127.0.0.1')).toBe('plain');
    expect(cookieTransport(false, { ...local, 'x-forwarded-for': '203.0.113.9' }, '::1')).toBe(
      'plain',
    );
    expect(cookieTransport(false, { ...local, forwarded: 'for=203.0.113.9' }, '::1')).toBe('plain');
    expect(cookieTransport(false, {}, '127.0.0.1')).toBe('plain');
  });
});
