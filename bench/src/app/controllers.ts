/**
 * One controller per protection scheme. Every handler answers the same small JSON body, so the
 * routes differ only in what guards them.
 */
import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { Auth, AuthGuard as GatehouseGuard, HasPermission } from 'nestjs-gatehouse';
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
export class GatehouseTrivialController {
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
}
