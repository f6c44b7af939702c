import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/**
 * Answers the errors the HTTP layer raises before a route runs with the standard phrase of their
 * status only, e.g. `{"statusCode":400,"message":"Bad Request"}`: a body that is not valid JSON,
 * too large (413), of an unsupported media type, charset or encoding (415), or a path that does
 * not decode. Nest hands them over as HttpExceptions carrying the library's own message, and
 * body-parser's quotes the start of the body, which can hold a password.
 *
 * Every other HttpException, such as the validation errors of the DTOs, is answered as Nest
 * would answer it.
 */
@Catch(HttpException)
export class HttpLayerErrorFilter extends BaseExceptionFilter {
  override catch(exception: HttpException, host: ArgumentsHost): unknown {
    // A resolver's exception goes back to GraphQL, which answers it in its own terms.
    if (host.getType() !== 'http') return exception;
    if (!raisedByHttpLayer(exception)) return super.catch(exception, host);
    const status = exception.getStatus();
    const body = { statusCode: status, message: STATUS_CODES[status] ?? 'Error' };
    super.catch(new HttpException(body, status), host);
  }
}

/**
 * Whether Nest mapped `exception` from an error of the HTTP layer. The adapters do so for the
 * errors of body-parser and Express (http-errors, or a SyntaxError or URIError with a 400
 * status) and for Fastify's, and keep that error as the `cause`; all of them carry their own
 * status. The app's exceptions have no cause, and the library's have causes without a status.
 */
function raisedByHttpLayer(exception: HttpException): boolean {
  const cause = exception.cause;
  if (!(cause instanceof Error) || cause instanceof HttpException) return false;
  const { status, statusCode } = cause as { status?: unknown; statusCode?: unknown };
  return typeof statusCode === 'number' || typeof status === 'number';
}
