import type { PermissionRequirement } from '../permissions/permission-requirement.js';
import { PERMISSIONS_METADATA } from './route-metadata.js';

/**
 * Requires every listed permission. Requirements on the controller and on the method combine:
 * the caller must meet all of them. Anonymous callers get 401, others without them 403.
 *
 * @example
 * @Controller('reports')
 * @HasPermission('reports:read')                              // every route of the controller
 * export class ReportsController {
 *   @HasPermission(['reports:write', 'reports:publish']) @Post() // both, and reports:read
 *   publish() {}
 * }
 */
export function HasPermission(
  permissions: string | readonly string[],
): MethodDecorator & ClassDecorator {
  return requirement('all', permissions);
}

/**
 * Requires at least one of the listed permissions.
 *
 * @example
 * @Controller('reports')
 * export class ReportsController {
 *   @HasAnyPermission(['reports:write', 'users:manage']) @Delete(':id')
 *   remove(@Param('id') id: string) {}
 * }
 */
export function HasAnyPermission(
  permissions: string | readonly string[],
): MethodDecorator & ClassDecorator {
  return requirement('any', permissions);
}

function requirement(
  mode: 'all' | 'any',
  input: string | readonly string[],
): MethodDecorator & ClassDecorator {
  const permissions = typeof input === 'string' ? [input] : [...input];
  if (permissions.length === 0 || permissions.some((p) => typeof p !== 'string' || p === '')) {
    throw new TypeError('@HasPermission() needs one or more non-empty permission strings');
  }
  const entry: PermissionRequirement = Object.freeze({
    mode,
    permissions: Object.freeze(permissions),
  });
  // Appends to, rather than replaces, earlier requirements on the same target, so stacked
  // decorators combine.
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder = (descriptor?.value as object | undefined) ?? target;
    const existing =
      (Reflect.getOwnMetadata(PERMISSIONS_METADATA, holder) as
        PermissionRequirement[] | undefined) ?? [];
    Reflect.defineMetadata(PERMISSIONS_METADATA, [...existing, entry], holder);
  };
}
