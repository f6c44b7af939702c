import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';

/**
 * Sets `Cache-Control: no-store` (and `Pragma: no-cache` for old caches) on responses carrying
 * credentials, as RFC 6749 §5.1 asks for token responses.
 */
@Injectable()
export class NoStoreInterceptor implements NestInterceptor {
  constructor(private readonly host: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<unknown>();
    this.host.httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    this.host.httpAdapter.setHeader(response, 'Pragma', 'no-cache');
    return next.handle();
  }
}
