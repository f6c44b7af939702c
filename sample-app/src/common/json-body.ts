import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type {
  NestExpressApplication,
  NestExpressBodyParserOptionsFor,
} from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The deepest nesting of arrays and objects a JSON body may have. The app's own bodies nest two
 * levels at most. The validation pipe's class-transformer recurses once per level and overflows
 * the stack at a few thousand, which a 64 KiB body reaches easily; the check runs before it.
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether the JSON text in `body` nests arrays and objects deeper than `max`. One pass over the
 * bytes, counting brackets outside strings, without parsing: it runs before the parser. Bytes
 * may be looked at one by one because every byte of a multi-byte UTF-8 character is 0x80 or more,
 * so none of them reads as a bracket, quote or backslash. Malformed JSON is the parser's to refuse.
 */
export function nestsDeeperThan(body: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/**
 * A JSON body the app refuses before parsing it. It carries its status the way the errors of
 * body-parser and Fastify do, so `HttpLayerErrorFilter` answers it with the generic phrase.
 */
export class UnhandledBodyError extends Error {
  override readonly name = 'UnhandledBodyError';
  readonly expose = true;
  /** Where Fastify reads the status (body-parser's errors carry both). */
  readonly statusCode: number;

  constructor(
    readonly status: 400 | 415,
    message: string,
  ) {
    super(message);
    this.statusCode = status;
  }
}

/**
 * Refuses a JSON body (as raw bytes) that is not UTF-8 (RFC 8259 §8.1: the bytes are scanned as
 * UTF-8) or that nests deeper than {@link MAX_JSON_DEPTH}. `charset` is the request's, if any.
 */
export function checkJsonBody(body: Uint8Array, charset: string | undefined): void {
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new UnhandledBodyError(415, `unsupported charset "${charset.slice(0, 32)}"`);
  }
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new UnhandledBodyError(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * Parses `application/json` bodies of up to `limitBytes` on either adapter, with
 * {@link checkJsonBody} before the adapter's own parser (body-parser on Express, Fastify's
 * prototype-poisoning-safe one on Fastify). Call it before the app listens.
 */
export function useJsonBodyParser(
  app: INestApplication,
  adapter: 'express' | 'fastify',
  limitBytes: number,
): void {
  if (adapter === 'express') {
    // Nest's types leave `verify` out because Nest sets it itself with the `rawBody` option,
    // which this app does not use; without that option Nest hands it to body-parser as given.
    const options: NestExpressBodyParserOptionsFor<'json'> & JsonVerifyOption = {
      limit: limitBytes,
      // body-parser names the charset it is about to decode with; a throw here is its error.
      verify: (_request, _response, buffer, encoding) => checkJsonBody(buffer, encoding),
    };
    (app as NestExpressApplication).useBodyParser('json', options);
    return;
  }
  const fastify = app as NestFastifyApplication;
  // Refusing `__proto__` and `constructor.prototype` keys with an error, as Fastify does itself.
  const parse = fastify.getHttpAdapter().getInstance().getDefaultJsonParser('error', 'error');
  fastify.useBodyParser<Server>(
    'application/json',
    { bodyLimit: limitBytes },
    (request, body, done) => {
      try {
        checkJsonBody(body, charsetOf(request.raw));
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      // Fastify's default parser takes the raw bytes as well as a string (Nest hands it bytes too).
      parse(request, body as unknown as string, done);
    },
  );
}

/** body-parser's `verify` option. */
interface JsonVerifyOption {
  verify(request: IncomingMessage, response: unknown, buffer: Buffer, encoding: string): void;
}

function charsetOf(request: { headers: IncomingHttpHeaders }): string | undefined {
  const type = request.headers['content-type'] ?? '';
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(type);
  return match?.[1];
}
