/** DI token of the ordered list of backend instances. */
export const AUTH_BACKENDS = Symbol('gatehouse:backends');
/** DI token of the testing backend, `null` outside of tests (see `nestjs-gatehouse/testing`). */
export const AUTH_TEST_BACKEND = Symbol('gatehouse:test-backend');
/** DI token of the application's own `AuthTransport` instances (`AuthModule.forRoot({ transports })`). */
export const AUTH_TRANSPORTS = Symbol('gatehouse:transports');
