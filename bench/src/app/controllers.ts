/**
 * One controller per protection scheme. Every handler answers the same small JSON body, so the
 * routes differ only in what guards them.
 */
import { Controller, Get, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import {
  Auth,
  AuthGuard as GatehouseGuard,
  HasPermission,
  SessionService,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { FloorGuard } from './floor.guard.js';
import { NestJwtGuard } from './recipes.js';

const BODY = Object.freeze({ ok: true });

@Controller('unguarded')
export class UnguardedController {
  @Get()
  get(): object {
    return BODY;
  }
}

@Controller('floor')
@UseGuards(FloorGuard)
export class FloorController {
  @Get()
  get(): object {
    return BODY;
  }
}

@Controller('recipe')
export class RecipeController {
  @Get('passport-jwt')
  @UseGuards(PassportAuthGuard('jwt'))
  passportJwt(): object {
    return BODY;
  }

  @Get('passport-jwt-keyobject')
  @UseGuards(PassportAuthGuard('jwt-keyobject'))
  passportJwtKeyObject(): object {
    return BODY;
  }

  @Get('nestjs-jwt')
  @UseGuards(NestJwtGuard)
  nestJwt(): object {
    return BODY;
  }

  @Get('passport-apikey')
  @UseGuards(PassportAuthGuard('api-key'))
  passportApiKey(): object {
    return BODY;
  }
}

/**
 * The library's guard is bound here with `@UseGuards` rather than globally, so the other
 * controllers of the same process stay unguarded. It is the same guard class the global
 * registration uses; Nest runs a `@UseGuards` guard and an `APP_GUARD` the same way per request.
 */
@Controller('gatehouse')
@UseGuards(GatehouseGuard)
export class GatehouseController {
  @Get('trivial')
  @Auth('trivial')
  trivial(): object {
    return BODY;
  }

  @Get('trivial-permission')
  @Auth('trivial')
  @HasPermission('reports:read')
  trivialPermission(): object {
    return BODY;
  }

  @Get('jwt')
  @Auth('jwt')
  jwt(): object {
    return BODY;
  }

  @Get('jwt-permission')
  @Auth('jwt')
  @HasPermission('reports:read')
  jwtPermission(): object {
    return BODY;
  }

  @Get('apikey')
  @Auth('apikey')
  apiKey(): object {
    return BODY;
  }
}

/** The JWT route of the application whose revocation store is Redis. */
@Controller('gatehouse')
@UseGuards(GatehouseGuard)
export class GatehouseRedisController {
  @Get('jwt-redis')
  @Auth('jwt')
  jwtRedis(): object {
    return BODY;
  }
}

/** The JWT route of the application whose verified-token cache is off. */
@Controller('gatehouse')
@UseGuards(GatehouseGuard)
export class GatehouseUncachedController {
  @Get('jwt-uncached')
  @Auth('jwt')
  jwtUncached(): object {
    return BODY;
  }
}

/** The Auth0 recipe for identity-provider tokens: passport-jwt + jwks-rsa. */
@Controller('recipe')
export class JwksRecipeController {
  @Get('passport-jwks-rsa')
  @UseGuards(PassportAuthGuard('jwks-rsa'))
  passportJwksRsa(): object {
    return BODY;
  }
}

/** The library's OIDC route (an identity provider's RS256 tokens). */
@Controller('gatehouse')
@UseGuards(GatehouseGuard)
export class GatehouseOidcController {
  @Get('oidc')
  @Auth('oidc')
  oidc(): object {
    return BODY;
  }
}

/** The OIDC route of the application whose verified-token cache is off. */
@Controller('gatehouse')
@UseGuards(GatehouseGuard)
export class GatehouseOidcUncachedController {
  @Get('oidc-uncached')
  @Auth('oidc')
  oidcUncached(): object {
    return BODY;
  }
}

/** The session route, in an application of its own, since the session middleware runs on all. */
@Controller('gatehouse')
@UseGuards(GatehouseGuard)
export class GatehouseSessionController {
  @Get('session')
  @Auth('session')
  session(): object {
    return BODY;
  }
}

/** The session route of the application whose sessions live in Redis. */
@Controller('gatehouse')
@UseGuards(GatehouseGuard)
export class GatehouseRedisSessionController {
  @Get('session-redis')
  @Auth('session')
  sessionRedis(): object {
    return BODY;
  }
}

/** How the bench gets session cookies: a login that trusts the query (bench only, loopback). */
@Controller('bench')
export class SessionLoginController {
  constructor(private readonly sessions: SessionService) {}

  @Post('session-login')
  @HttpCode(204)
  async login(@Req() request: AuthRequest, @Query('user') user: string): Promise<void> {
    await this.sessions.login(request, user);
  }
}
