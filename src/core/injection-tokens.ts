/** Metadata key of `@Public()` and `@Auth()`: the route's access rule. */
export const ACCESS_METADATA = 'gatehouse:access';
/** Metadata key of `@HasPermission()` and `@HasAnyPermission()`: permission requirements. */
export const PERMISSIONS_METADATA = 'gatehouse:permissions';
/** DI token of the ordered list of backend instances. */
export const AUTH_BACKENDS = Symbol('gatehouse:backends');
/** DI token of the validated, normalised module options. */
export const AUTH_OPTIONS = Symbol('gatehouse:options');
/** DI token of the testing backend, `null` outside of tests (see `nestjs-gatehouse/testing`). */
export const AUTH_TEST_BACKEND = Symbol('gatehouse:test-backend');
