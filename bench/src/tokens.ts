/**
 * Token sign and verify throughput in one process: jsonwebtoken (as the recipes use it, and with a
 * KeyObject), jose, fast-jwt, @nestjs/jwt, and a hand-written node:crypto floor. HS256 with the
 * same 32-byte secret and the same claims everywhere; verify cycles through a pool of distinct
 * valid tokens. Each case runs timed batches over several rounds; the report takes the median.
 *
 *   node bench/run.mjs tokens          (TOKENS_SECONDS=0.4 per case and round, TOKENS_ROUNDS=3)
 */
import 'reflect-metadata';
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { createSigner, createVerifier } from 'fast-jwt';
import { jwtVerify, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { AuthModule, JwtBackend, TokenService } from 'nestjs-gatehouse';
import { BENCH_SECRET } from './app/bench-keys.js';
import { BENCH_ROLES, BenchUsers, benchJwtOptions } from './app/gatehouse-core.js';
import { writeResult, type TokensResult } from './results.js';
import { fmt, median } from './stats.js';

const SECONDS = Number(process.env.TOKENS_SECONDS ?? 0.4);
const ROUNDS = Number(process.env.TOKENS_ROUNDS ?? 3);
const POOL = 1000;

const secret = BENCH_SECRET;
const secretBytes = Buffer.from(secret, 'utf8');
const key = createSecretKey(secretBytes);

type Op = (i: number) => unknown;

interface Case {
  readonly library: string;
  readonly variant: string;
  readonly sign?: Op;
  /** Built lazily: verify needs tokens, which need a signer. */
  readonly verify?: () => Promise<Op>;
}

function claims(i: number): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: `user-${i % 100}`,
    username: `name-${i % 100}`,
    jti: randomBytes(16).toString('base64url'),
    iat: now,
    exp: now + 3600,
  };
}

/** A pool of distinct valid tokens, signed once with jsonwebtoken and a KeyObject. */
const pool: string[] = Array.from({ length: POOL }, (_, i) =>
  jwt.sign(claims(i), key, { algorithm: 'HS256' }),
);
const payloads = Array.from({ length: POOL }, (_, i) => claims(i));

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function floorSign(payload: Record<string, unknown>): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

function floorVerify(token: string): unknown {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const expected = createHmac('sha256', key).update(token.slice(0, second)).digest();
  const given = Buffer.from(token.slice(second + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('sig');
  const head = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString()) as {
    alg?: string;
  };
  if (head.alg !== 'HS256') throw new Error('alg');
  const payload = JSON.parse(
    Buffer.from(token.slice(first + 1, second), 'base64url').toString(),
  ) as { exp?: number };
  if (typeof payload.exp !== 'number' || payload.exp * 1000 <= Date.now()) throw new Error('exp');
  return payload;
}

/** The library with its defaults, and with the verified-token cache off. */
function libraryModule(cacheSize?: number): object {
  class TokensBenchModule {}
  Module({
    imports: [
      AuthModule.forRoot({
        backends: [JwtBackend],
        userModel: BenchUsers,
        roles: BENCH_ROLES,
        jwt: benchJwtOptions(cacheSize === undefined ? {} : { verifiedTokenCacheSize: cacheSize }),
        globalGuard: false,
      }),
    ],
  })(TokensBenchModule);
  return TokensBenchModule;
}

async function libraryCases(): Promise<{ cases: Case[]; close: () => Promise<void> }> {
  const cached = await NestFactory.createApplicationContext(libraryModule(), { logger: false });
  const uncached = await NestFactory.createApplicationContext(libraryModule(0), { logger: false });
  const service = cached.get(TokenService);
  const uncachedService = uncached.get(TokenService);
  const tokens: string[] = [];
  for (let i = 0; i < POOL; i++) tokens.push(await service.issueAccessToken(`user-${i % 100}`));
  const cases: Case[] = [
    {
      library: 'nestjs-gatehouse',
      variant: `TokenService (issueAccessToken; verify with its default cache, ${POOL} tokens reused; revocation checked)`,
      sign: (i) => service.issueAccessToken(`user-${i % 100}`),
      verify: async () => (i) => service.verify(tokens[i % POOL]!),
    },
    {
      library: 'nestjs-gatehouse',
      variant: 'TokenService.verify, cache off (verifiedTokenCacheSize: 0; revocation checked)',
      verify: async () => (i) => uncachedService.verify(tokens[i % POOL]!),
    },
  ];
  return { cases, close: async () => void (await Promise.all([cached.close(), uncached.close()])) };
}

async function main(): Promise<void> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    secretBytes,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  const nestJwt = new JwtService({ secret });
  const fastSigner = createSigner({ key: secret, algorithm: 'HS256' });
  const fastVerifier = createVerifier({ key: secret, algorithms: ['HS256'] });
  const fastVerifierCached = createVerifier({ key: secret, algorithms: ['HS256'], cache: POOL });

  const cases: Case[] = [
    {
      library: 'node:crypto',
      variant: 'hand-written floor (KeyObject HMAC, timingSafeEqual, JSON.parse, exp)',
      sign: (i) => floorSign(payloads[i % POOL]!),
      verify: async () => (i) => floorVerify(pool[i % POOL]!),
    },
    {
      library: 'jsonwebtoken',
      variant: 'string secret (what the recipes do)',
      sign: (i) => jwt.sign(payloads[i % POOL]!, secret, { algorithm: 'HS256' }),
      verify: async () => (i) => jwt.verify(pool[i % POOL]!, secret, { algorithms: ['HS256'] }),
    },
    {
      library: 'jsonwebtoken',
      variant: 'KeyObject',
      sign: (i) => jwt.sign(payloads[i % POOL]!, key, { algorithm: 'HS256' }),
      verify: async () => (i) => jwt.verify(pool[i % POOL]!, key, { algorithms: ['HS256'] }),
    },
    {
      library: '@nestjs/jwt',
      variant: 'JwtService, string secret',
      sign: (i) => nestJwt.sign(payloads[i % POOL]!),
      verify: async () => (i) => nestJwt.verify(pool[i % POOL]!),
    },
    {
      library: 'jose',
      variant: 'Uint8Array secret',
      sign: (i) =>
        new SignJWT(payloads[i % POOL]!).setProtectedHeader({ alg: 'HS256' }).sign(secretBytes),
      verify: async () => (i) => jwtVerify(pool[i % POOL]!, secretBytes, { algorithms: ['HS256'] }),
    },
    {
      library: 'jose',
      variant: 'KeyObject',
      sign: (i) => new SignJWT(payloads[i % POOL]!).setProtectedHeader({ alg: 'HS256' }).sign(key),
      verify: async () => (i) => jwtVerify(pool[i % POOL]!, key, { algorithms: ['HS256'] }),
    },
    {
      library: 'jose',
      variant: 'CryptoKey imported once (WebCrypto)',
      sign: (i) =>
        new SignJWT(payloads[i % POOL]!).setProtectedHeader({ alg: 'HS256' }).sign(cryptoKey),
      verify: async () => (i) => jwtVerify(pool[i % POOL]!, cryptoKey, { algorithms: ['HS256'] }),
    },
    {
      library: 'fast-jwt',
      variant: 'string secret, no cache',
      sign: (i) => fastSigner(payloads[i % POOL]!),
      verify: async () => (i) => fastVerifier(pool[i % POOL]!),
    },
    {
      library: 'fast-jwt',
      variant: `verified-token cache (${POOL} entries, ${POOL} tokens reused)`,
      verify: async () => (i) => fastVerifierCached(pool[i % POOL]!),
    },
  ];

  const library = await libraryCases();
  cases.push(...library.cases);

  const rows: TokensResult['rows'][number][] = [];
  for (const c of cases) {
    const signOps = c.sign ? await opsPerSecond(c.sign) : null;
    const verifyOps = c.verify ? await opsPerSecond(await c.verify()) : null;
    rows.push({ library: c.library, variant: c.variant, signOps, verifyOps });
    process.stderr.write(
      `tokens: ${c.library.padEnd(13)} ${c.variant.slice(0, 50).padEnd(50)} sign ${fmt(signOps ?? Number.NaN, 0).padStart(8)}/s  verify ${fmt(verifyOps ?? Number.NaN, 0).padStart(8)}/s\n`,
    );
  }
  await library.close();
  const file = writeResult('tokens', {
    date: new Date().toISOString(),
    secondsPerCase: SECONDS * ROUNDS,
    rows,
  } satisfies TokensResult);
  process.stderr.write(`tokens: wrote ${file}\n`);
}

/**
 * Operations per second of `op`, median over rounds. Promises are awaited one at a time, as a
 * request handler would.
 */
async function opsPerSecond(op: Op): Promise<number> {
  const first = op(0);
  const isAsync = first instanceof Promise;
  if (isAsync) await first;
  const results: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    let count = 0;
    const start = process.hrtime.bigint();
    const limit = start + BigInt(Math.round(SECONDS * 1e9));
    let now = start;
    while (now < limit) {
      for (let k = 0; k < 100; k++, count++) {
        const r = op(count);
        if (isAsync) await r;
      }
      now = process.hrtime.bigint();
    }
    // The first round is warm-up.
    if (round > 0) results.push(count / (Number(now - start) / 1e9));
  }
  return median(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
