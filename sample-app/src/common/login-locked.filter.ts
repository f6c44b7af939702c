import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LoginLockedException } from './login-locked.exception.js';

/** Answers {@link LoginLockedException} with its `Retry-After` header, on Express and Fastify. */
@Catch(LoginLockedException)
export class LoginLockedFilter implements ExceptionFilter {
  constructor(private readonly host: HttpAdapterHost) {}

  catch(exception: LoginLockedException, context: ArgumentsHost): void {
    const adapter = this.host.httpAdapter;
    const response = context.switchToHttp().getResponse<unknown>();
    adapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    adapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}
