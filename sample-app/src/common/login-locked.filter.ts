import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LoginThrottledError } from 'nestjs-gatehouse';

/**
 * Answers the library's {@link LoginThrottledError} (429) with the app's own message and its
 * `Retry-After` header, on Express and Fastify.
 */
@Catch(LoginThrottledError)
export class LoginLockedFilter implements ExceptionFilter {
  constructor(private readonly host: HttpAdapterHost) {}

  catch(exception: LoginThrottledError, context: ArgumentsHost): void {
    const adapter = this.host.httpAdapter;
    const response = context.switchToHttp().getResponse<unknown>();
    adapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    adapter.reply(
      response,
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        message: 'Too many failed logins, try again later',
        error: 'Too Many Requests',
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
