import { applyDecorators, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from 'nestjs-gatehouse';
import { NoStoreInterceptor } from '../common/no-store.interceptor.js';
import { LoginKind, LoginOriginGuard } from './login-origin.guard.js';

/**
 * A password login endpoint: public, `POST path` answering 200 with `Cache-Control: no-store`,
 * refused with 403 from a cross-site browser context, and documented with its one generic 401
 * and the throttle's 429.
 */
export function LoginRoute(
  path: string,
  okDescription: string,
  via: 'jwt' | 'session',
): MethodDecorator {
  return applyDecorators(
    ApiOkResponse({ description: okDescription }),
    ApiUnauthorizedResponse({ description: 'Invalid credentials (whatever the reason)' }),
    ApiForbiddenResponse({ description: 'Posted from a page of another site' }),
    ApiTooManyRequestsResponse({ description: 'Too many failed logins; see Retry-After' }),
    Public(),
    LoginKind(via),
    UseGuards(LoginOriginGuard),
    UseInterceptors(NoStoreInterceptor),
    Post(path),
    HttpCode(200),
  );
}
