import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { b64url, bomPart, part } from '../../test/support/jwt-forge.js';
import {
  decodeStrict,
  isStrictPayload,
  MAX_TOKEN_LENGTH,
  parseJwt,
  parseJwtHeader,
  payloadRejection,
  type ParsedJwt,
} from './jwt-parser.js';

const HEADER = part({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' });
const PAYLOAD = part({ sub: 'alice', exp: 1_900_000_000, jti: 'j1' });
const SIGNATURE = b64url(randomBytes(32));

function isParsed(result: ParsedJwt | unknown): result is ParsedJwt {
  return typeof result === 'object' && result !== null && 'signingInput' in result;
}

/**
 * What the header-only parse and the payload check make of `token` together, in parseJwt's
 * terms: the refusal, or the header and the strictly decoded payload.
 */
function headerPath(token: string): unknown {
  const result = parseJwtHeader(token);
  if ('reason' in result) return result;
  const payload = payloadRejection(result.payloadText);
  if (payload !== undefined) return payload;
  return { header: result.header, payload: (parseJwt(token) as ParsedJwt).payload };
}

/**
 * Parses `token` and expects a refusal; the reason itself is for events, so it is not pinned.
 * The header-only parse, with the payload check, must refuse it with the same detail.
 */
function expectRefused(token: string): void {
  const result = parseJwt(token);
  expect(isParsed(result), `accepted ${JSON.stringify(token.slice(0, 80))}`).toBe(false);
  expect(result).toBeTruthy();
  expect(headerPath(token)).toEqual(result);
}

/**
 * Another spelling of the same bytes: the last character's unused low bits set. Node decodes it
 * to the same bytes, so only a canonical-form check can tell the two apart.
 */
function nonCanonical(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(text.at(-1)!);
  const variant = text.slice(0, -1) + alphabet[last | 1];
  expect(variant).not.toBe(text);
  expect(Buffer.from(variant, 'base64url')).toEqual(Buffer.from(text, 'base64url'));
  return variant;
}

describe('parseJwt', () => {
  it('splits a compact JWS into its decoded header and payload, signing input and signature bytes', () => {
    const signature = randomBytes(64);
    const parsed = parseJwt(`${HEADER}.${PAYLOAD}.${b64url(signature)}`);
    expect(isParsed(parsed)).toBe(true);
    const { header, payload, signingInput, signature: bytes } = parsed as ParsedJwt;
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' });
    expect(payload).toEqual({ sub: 'alice', exp: 1_900_000_000, jti: 'j1' });
    expect(signingInput).toBe(`${HEADER}.${PAYLOAD}`);
    expect(Buffer.compare(bytes, signature)).toBe(0);
  });

  it('reads UTF-8 claims', () => {
    const parsed = parseJwt(`${HEADER}.${part({ name: 'Zoë 🦊' })}.${SIGNATURE}`) as ParsedJwt;
    expect(parsed.payload).toEqual({ name: 'Zoë 🦊' });
  });

  it.each([
    ['no dot at all', `${HEADER}${PAYLOAD}${SIGNATURE}`],
    ['two parts', `${HEADER}.${PAYLOAD}`],
    ['four parts', `${HEADER}.${PAYLOAD}.${SIGNATURE}.${SIGNATURE}`],
    ['a trailing dot', `${HEADER}.${PAYLOAD}.${SIGNATURE}.`],
    ['the five parts of a JWE', `${HEADER}.${SIGNATURE}.${SIGNATURE}.${SIGNATURE}.${SIGNATURE}`],
    ['an empty string', ''],
    ['dots only', '..'],
  ])('refuses anything but three parts: %s', (_case, token) => {
    expectRefused(token);
  });

  it('refuses an empty header or payload', () => {
    expectRefused(`.${PAYLOAD}.${SIGNATURE}`);
    expectRefused(`${HEADER}..${SIGNATURE}`);
  });

  it('refuses an empty signature, the unsecured form of alg "none"', () => {
    expectRefused(`${part({ alg: 'none' })}.${PAYLOAD}.`);
    expectRefused(`${HEADER}.${PAYLOAD}.`);
  });

  describe('base64url is strict, so one token has exactly one spelling', () => {
    const parts = ['header', 'payload', 'signature'] as const;
    /** The token with part `index` replaced by `text`. */
    const withPart = (index: number, text: string): string =>
      [HEADER, PAYLOAD, SIGNATURE].map((p, i) => (i === index ? text : p)).join('.');
    const original = (index: number): string => [HEADER, PAYLOAD, SIGNATURE][index]!;

    it.each(parts)('refuses "=" padding in the %s', (name) => {
      const index = parts.indexOf(name);
      const text = original(index);
      expect(text.length % 4).not.toBe(0);
      expectRefused(withPart(index, text + '='.repeat(4 - (text.length % 4))));
    });

    it.each(parts)('refuses the standard alphabet ("+" and "/") in the %s', (name) => {
      const index = parts.indexOf(name);
      // "???" encodes to "Pz8/" in standard base64; 0xfb 0xff to "+/8".
      const bytes = [
        Buffer.from(JSON.stringify({ alg: 'HS256', kid: '???' })),
        Buffer.from(JSON.stringify({ sub: 'alice', q: '???' })),
        Buffer.from([0xfb, 0xff, ...randomBytes(30)]),
      ][index]!;
      const standard = bytes.toString('base64').replace(/=+$/, '');
      expect(standard).toMatch(/[+/]/);
      expect(isParsed(parseJwt(withPart(index, b64url(bytes))))).toBe(true);
      expectRefused(withPart(index, standard));
    });

    it.each(parts)('refuses white space inside the %s', (name) => {
      const index = parts.indexOf(name);
      const text = original(index);
      for (const space of [' ', '\n', '\t', '\r\n']) {
        expectRefused(withPart(index, `${text.slice(0, 8)}${space}${text.slice(8)}`));
      }
    });

    it.each(parts)('refuses non-zero padding bits in the %s', (name) => {
      const index = parts.indexOf(name);
      expectRefused(withPart(index, nonCanonical(original(index))));
    });

    it('refuses a length that no byte string encodes to (1 mod 4)', () => {
      const cut = SIGNATURE.slice(0, 41);
      expect(cut.length % 4).toBe(1);
      expectRefused(`${HEADER}.${PAYLOAD}.${cut}`);
    });

    it('refuses characters outside the alphabet', () => {
      for (const bad of ['%', '*', '~', '\u0000', 'é']) {
        expectRefused(`${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, 10)}${bad}${SIGNATURE.slice(11)}`);
        expectRefused(`${HEADER}.${PAYLOAD.slice(0, 6)}${bad}${PAYLOAD.slice(7)}.${SIGNATURE}`);
      }
    });
  });

  describe('the header and the payload must be JSON objects', () => {
    const raw = (text: string | Buffer): string => b64url(text);

    it.each([
      ['text that is not JSON', raw('alg=HS256')],
      ['truncated JSON', raw('{"alg":"HS256"')],
      ['a JSON array', raw('[{"alg":"HS256"}]')],
      ['a JSON string', raw('"HS256"')],
      ['a JSON number', raw('256')],
      ['JSON null', raw('null')],
      ['JSON true', raw('true')],
    ])('refuses %s in the header and in the payload', (_case, encoded) => {
      expectRefused(`${encoded}.${PAYLOAD}.${SIGNATURE}`);
      expectRefused(`${HEADER}.${encoded}.${SIGNATURE}`);
    });

    it('refuses bytes that are not valid UTF-8, rather than replacing them', () => {
      // A lone continuation byte, and the overlong two-byte spelling of "/".
      for (const bytes of [[0x80], [0xc0, 0xaf], [0xff, 0xfe]]) {
        const json = Buffer.concat([
          Buffer.from('{"alg":"HS256","x":"'),
          Buffer.from(bytes),
          Buffer.from('"}'),
        ]);
        expectRefused(`${raw(json)}.${PAYLOAD}.${SIGNATURE}`);
        expectRefused(`${HEADER}.${raw(json)}.${SIGNATURE}`);
      }
    });
  });

  describe('a byte order mark is not part of JSON', () => {
    it('refuses a UTF-8 BOM before the header or the payload, naming the part', () => {
      const header = { alg: 'HS256', typ: 'at+jwt', kid: 'k1' };
      const payload = { sub: 'alice', exp: 1_900_000_000, jti: 'j1' };
      expect(parseJwt(`${bomPart(header)}.${PAYLOAD}.${SIGNATURE}`)).toEqual({
        reason: 'JWT_MALFORMED',
        detail: 'header starts with a byte order mark',
      });
      expect(parseJwt(`${HEADER}.${bomPart(payload)}.${SIGNATURE}`)).toEqual({
        reason: 'JWT_MALFORMED',
        detail: 'payload starts with a byte order mark',
      });
      // U+FEFF inside a string value is just a character.
      const inside = parseJwt(`${HEADER}.${part({ name: '\ufeffx' })}.${SIGNATURE}`) as ParsedJwt;
      expect(inside.payload).toEqual({ name: '\ufeffx' });
    });
  });

  describe('size', () => {
    /** A well-formed token whose payload carries `filler` characters. */
    const tokenWith = (filler: number): string =>
      `${HEADER}.${part({ sub: 'alice', pad: 'x'.repeat(filler) })}.${SIGNATURE}`;

    it(`accepts a token up to MAX_TOKEN_LENGTH (${MAX_TOKEN_LENGTH}) characters and refuses a longer one`, () => {
      let filler = 0;
      while (tokenWith(filler + 1).length <= MAX_TOKEN_LENGTH) filler++;
      const longest = tokenWith(filler);
      const tooLong = tokenWith(filler + 1);
      expect(longest.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
      expect(longest.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 3);
      expect(tooLong.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
      expect(isParsed(parseJwt(longest))).toBe(true);
      expectRefused(tooLong);
    });

    it('refuses a huge input', () => {
      expectRefused(`${HEADER}.${'A'.repeat(5_000_000)}.${SIGNATURE}`);
      expectRefused('.'.repeat(100_000));
    });
  });
});

describe('parseJwtHeader', () => {
  it('decodes the header only, and keeps the other parts as their text', () => {
    const token = `${HEADER}.${PAYLOAD}.${SIGNATURE}`;
    expect(parseJwtHeader(token)).toEqual({
      header: { alg: 'HS256', typ: 'at+jwt', kid: 'k1' },
      payloadText: PAYLOAD,
      signatureText: SIGNATURE,
      signingInput: `${HEADER}.${PAYLOAD}`,
    });
  });

  it('decodes a header once for the tokens that share it, and tells apart headers of one length', () => {
    const headerOf = (token: string) => {
      const result = parseJwtHeader(token);
      if ('reason' in result) throw new Error(result.detail);
      return result.header;
    };
    const other = part({ alg: 'HS256', typ: 'at+jwt', kid: 'k2' });
    expect(other.length).toBe(HEADER.length);
    const first = headerOf(`${HEADER}.${PAYLOAD}.${SIGNATURE}`);
    expect(Object.isFrozen(first)).toBe(true);
    expect(headerOf(`${HEADER}.${part({ sub: 'bob' })}.${SIGNATURE}`)).toBe(first);
    expect(headerOf(`${other}.${PAYLOAD}.${SIGNATURE}`)).toEqual({ ...first, kid: 'k2' });
    expect(headerOf(`${HEADER}.${PAYLOAD}.${SIGNATURE}`)).toBe(first);
    expect(parseJwtHeader(`${HEADER}x.${PAYLOAD}.${SIGNATURE}`)).toMatchObject({
      reason: 'JWT_MALFORMED',
      detail: expect.stringMatching(/^header /),
    });
  });

  it('judges a part canonical exactly when decodeStrict does, without decoding it', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < 4000; i++) {
      const length = 1 + (i % 13);
      const bytes = randomBytes(length);
      const text = Array.from(bytes, (b) => alphabet[b % 64]).join('');
      const asPayload = parseJwtHeader(`${HEADER}.${text}.${SIGNATURE}`);
      const asSignature = parseJwtHeader(`${HEADER}.${PAYLOAD}.${text}`);
      const canonical = decodeStrict(text) !== undefined && !text.startsWith('77u_');
      expect('reason' in asPayload, text).toBe(!canonical);
      expect('reason' in asSignature, text).toBe(decodeStrict(text) === undefined);
    }
  });

  it('reports a payload problem before a signature problem, as parseJwt does', () => {
    const token = `${HEADER}.${b64url('not json')}.${SIGNATURE}=`;
    expect(parseJwtHeader(token)).toEqual(parseJwt(token));
    expect(parseJwtHeader(token)).toEqual({ reason: 'JWT_MALFORMED', detail: 'payload not JSON' });
  });
});

describe('isStrictPayload', () => {
  const lenient = (text: string): unknown => {
    const decoded = Buffer.from(text, 'base64').toString('utf8');
    try {
      return JSON.parse(decoded) as unknown;
    } catch {
      return decoded;
    }
  };

  it("accepts another decoder's payload when it is a JSON object from valid UTF-8", () => {
    const text = part({ sub: 'zoë', n: 1 });
    expect(isStrictPayload(text, lenient(text))).toBe(true);
  });

  it('refuses what a lenient decoder makes of invalid UTF-8, an array, or text', () => {
    const invalid = b64url(
      Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    );
    expect(lenient(invalid)).toEqual({ sub: '\ufffd\ufffd' });
    expect(isStrictPayload(invalid, lenient(invalid))).toBe(false);
    for (const text of [part([1]), b64url('plain'), part(null), part('s')]) {
      expect(isStrictPayload(text, lenient(text))).toBe(false);
    }
  });

  it('accepts a U+FFFD that was sent as valid UTF-8 or as an escape', () => {
    const sent = part({ sub: 'a\ufffdb', nested: { list: ['\ufffd'] } });
    const escaped = b64url('{"sub":"\\ufffd"}');
    expect(lenient(escaped)).toEqual({ sub: '\ufffd' });
    expect(isStrictPayload(sent, lenient(sent))).toBe(true);
    expect(isStrictPayload(escaped, lenient(escaped))).toBe(true);
  });

  it('refuses invalid UTF-8 in a nested value, an array item or a key', () => {
    const invalid = [0xed, 0xa0, 0x80]; // an encoded surrogate
    for (const [before, after] of [
      ['{"sub":"a","more":{"x":"', '"}}'],
      ['{"sub":"a","roles":["r","', '"]}'],
      ['{"sub":"a","', '":1}'],
    ] as const) {
      const text = b64url(
        Buffer.concat([Buffer.from(before), Buffer.from(invalid), Buffer.from(after)]),
      );
      expect(typeof lenient(text)).toBe('object');
      expect(isStrictPayload(text, lenient(text))).toBe(false);
      expect(payloadRejection(text)).toEqual({
        reason: 'JWT_MALFORMED',
        detail: 'payload not JSON',
      });
    }
  });
});

describe('decodeStrict', () => {
  it('decodes canonical unpadded base64url', () => {
    const bytes = randomBytes(33);
    expect(decodeStrict(b64url(bytes))).toEqual(bytes);
    expect(decodeStrict('-_8')).toEqual(Buffer.from([0xfb, 0xff]));
  });

  it('returns undefined for every other spelling', () => {
    expect(decodeStrict('')).toBeUndefined();
    expect(decodeStrict('-_8=')).toBeUndefined();
    expect(decodeStrict('+/8')).toBeUndefined();
    expect(decodeStrict('-_ 8')).toBeUndefined();
    expect(decodeStrict('A')).toBeUndefined();
    expect(decodeStrict(nonCanonical('-_8'))).toBeUndefined();
  });
});
