import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AUTH_MODULE_OPTIONS } from '../core/options-reader.js';
import type { AuthModuleExtras, AuthModuleOptions } from './auth-module-options.js';

const defaultExtras: AuthModuleExtras = {
  backends: [],
  globalGuard: true,
  isGlobal: true,
};

/** The builder behind `AuthModule.forRoot` / `forRootAsync`. */
export const {
  ConfigurableModuleClass: ConfigurableAuthModule,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({
  moduleName: 'Auth',
  // The token lives in core/, so features read their slice of the options without importing module/.
  optionsInjectionToken: AUTH_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras<AuthModuleExtras>(defaultExtras, (definition) => definition)
  .build();
