import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthModuleExtras, AuthModuleOptions } from './auth-module-options.js';

const defaultExtras: AuthModuleExtras = {
  backends: [],
  globalGuard: true,
  isGlobal: true,
};

/** The builder behind `AuthModule.forRoot` / `forRootAsync`. */
export const {
  ConfigurableModuleClass: ConfigurableAuthModule,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'Auth' })
  .setClassMethodName('forRoot')
  .setExtras<AuthModuleExtras>(defaultExtras, (definition) => definition)
  .build();
