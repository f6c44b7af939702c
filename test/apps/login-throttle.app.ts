import {
  Body,
  Controller,
  HttpCode,
  Module,
  Post,
  Req,
  Res,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  AuthenticationFailedError,
  AuthModule,
  LoginThrottle,
  Public,
  type AuthRequest,
  type LoginThrottleOptions,
} from 'nestjs-gatehouse';
import { RecordingEvents } from '../support/recording-events.js';
import { namedBackend, NoUsers } from '../support/test-backends.js';

export const DEVICE_TOKEN_SECRET = 'test-device-token-secret-0123456789-abcdefghijk';

interface LoginBody {
  username?: string;
  password?: string;
  device_token?: string;
}

/**
 * A password login as an application writes one with the library's throttle. Every account name
 * (case-insensitive) exists, with the password `<name>-pass`.
 */
@Controller()
export class ThrottledLoginController {
  constructor(private readonly throttle: LoginThrottle) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
    @Body() body: LoginBody,
  ) {
    const account = String(body?.username ?? '').toLowerCase();
    const attempt = await this.throttle.attempt(request, account, {
      response,
      deviceToken: body?.device_token,
      backend: 'password',
    });
    if (body?.password !== `${account}-pass`) {
      throw new AuthenticationFailedError('CREDENTIAL_INVALID', { detail: 'bad password' });
    }
    const token = await attempt.succeeded();
    this.throttle.setDeviceCookie(response, token);
    return { account, device_token: token, trusted: attempt.trusted };
  }
}

/**
 * The app, with `loginThrottle` options over 3 attempts per 10 minutes (`null`: no options at
 * all, the library's defaults) and extra `providers` (a store…).
 */
export function loginThrottleApp(
  loginThrottle: Partial<LoginThrottleOptions> | null = {},
  providers: Provider[] = [],
): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        backends: [namedBackend('none')],
        userModel: NoUsers,
        events: RecordingEvents,
        loginThrottle:
          loginThrottle === null
            ? undefined
            : {
                deviceTokenSecret: DEVICE_TOKEN_SECRET,
                maxAttempts: 3,
                lockoutSeconds: 600,
                ...loginThrottle,
              },
        providers,
      }),
    ],
    controllers: [ThrottledLoginController],
  })
  class LoginThrottleAppModule {}
  return LoginThrottleAppModule;
}
