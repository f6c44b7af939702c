import { AuthConfigurationError } from '../core/auth-error.js';
import type { AccessRule } from './access-rule.js';

/** Metadata key of `@Public()` and `@Auth()`: the route's access rule. */
export const ACCESS_METADATA = 'gatehouse:access';
/** Metadata key of `@HasPermission()` and `@HasAnyPermission()`: permission requirements. */
export const PERMISSIONS_METADATA = 'gatehouse:permissions';

/**
 * The decorator behind `@Public()` and `@Auth()`. One route (or one controller) carries one access
 * rule: a second one on the same target, such as `@Public() @Auth()`, would silently override the
 * first, so it fails when the class is declared.
 */
export function accessRule(rule: AccessRule, decorator: string): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder = (descriptor?.value as object | undefined) ?? target;
    if (Reflect.getOwnMetadata(ACCESS_METADATA, holder) !== undefined) {
      const where =
        key === undefined
          ? (target as { name?: string }).name
          : `${(target as { constructor: { name: string } }).constructor.name}.${String(key)}`;
      throw new AuthConfigurationError(
        `${decorator} on ${where}`,
        'the route already has @Public() or @Auth(), and one would silently replace the other',
        'keep one of them; put the other on the controller if both are meant',
      );
    }
    Reflect.defineMetadata(ACCESS_METADATA, rule, holder);
  };
}
