/** Metadata key of `@Public()` and `@Auth()`: the route's access rule. */
export const ACCESS_METADATA = 'gatehouse:access';
/** Metadata key of `@HasPermission()` and `@HasAnyPermission()`: permission requirements. */
export const PERMISSIONS_METADATA = 'gatehouse:permissions';
