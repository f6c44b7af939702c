import { applyDecorators, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from 'nestjs-gatehouse';
import { NoStoreInterceptor } from '../common/no-store.interceptor.js';

/**
 * A password login endpoint: public, `POST path` answering 200 with `Cache-Control: no-store`,
 * and documented with its one generic 401 and the throttle's 429.
 */
export function LoginRoute(path: string, okDescription: string): MethodDecorator {
  return applyDecorators(
    ApiOkResponse({ description: okDescription }),
    ApiUnauthorizedResponse({ description: 'Invalid credentials (whatever the reason)' }),
    ApiTooManyRequestsResponse({ description: 'Too many failed logins; see Retry-After' }),
    Public(),
    UseInterceptors(NoStoreInterceptor),
    Post(path),
    HttpCode(200),
  );
}
