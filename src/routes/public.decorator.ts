import { accessRule } from './route-metadata.js';
import type { AccessRule } from './access-rule.js';

/**
 * Opts a route (or a whole controller) out of the "protected by default" rule.
 *
 * Valid credentials on a public route still attach the user (optional authentication); invalid
 * or missing ones leave the request anonymous instead of failing.
 *
 * @example
 * @Controller()
 * export class HealthController {
 *   @Public() @Get('health')
 *   health() { return { status: 'ok' }; }
 * }
 */
export const Public = (): MethodDecorator & ClassDecorator => accessRule(PUBLIC_RULE, '@Public()');

const PUBLIC_RULE: AccessRule = Object.freeze({ public: true });
