import { AuthConfigurationError } from '../core/auth-error.js';
import { OptionsReader } from '../core/options-reader.js';

const ROLE_KEYS = ['inherits', 'permissions'] as const;

/** A role in the hierarchy. */
export interface RoleDefinition {
  /** Roles whose permissions this role also has. Default: none. */
  readonly inherits?: readonly string[];
  /** Permissions this role grants. Default: none. */
  readonly permissions?: readonly string[];
}

/**
 * Validates the `roles` option at bootstrap and expands the hierarchy: each role's permissions,
 * with those of every role it inherits, transitively. A cycle or an unknown parent fails the start.
 */
export function expandRoles(input: unknown): ReadonlyMap<string, ReadonlySet<string>> {
  if (input === undefined) return new Map();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AuthConfigurationError(
      'roles',
      'must be an object of role definitions',
      "write `roles: { admin: { inherits: ['user'], permissions: ['users:manage'] } }`",
    );
  }
  const roles = input as Readonly<Record<string, RoleDefinition>>;
  const names = Object.keys(roles);
  for (const name of names) {
    const definition = OptionsReader.of(`roles.${name}`, roles[name], ROLE_KEYS, {
      problem: 'is not a role definition',
      fix: "write `{ inherits: ['…'], permissions: ['…'] }`",
    });
    for (const field of ROLE_KEYS) {
      const list = definition.raw(field);
      if (
        list !== undefined &&
        (!Array.isArray(list) || list.some((v) => typeof v !== 'string' || v === ''))
      ) {
        definition.fail(
          field,
          'must be an array of non-empty strings',
          `list strings, for example \`${field}: ['…']\``,
        );
      }
    }
    const role = roles[name]!;
    for (const parent of role.inherits ?? []) {
      if (!(parent in roles)) {
        throw new AuthConfigurationError(
          `roles.${name}.inherits`,
          `names the unknown role "${parent}"`,
          `define "${parent}" under roles, or remove it from ${name}.inherits`,
        );
      }
    }
  }
  // Each role's inherited roles, transitively; only needed while expanding.
  const inheritedRoles = new Map<string, ReadonlySet<string>>();
  const visit = (name: string, path: string[]): Set<string> => {
    const done = inheritedRoles.get(name);
    if (done) return new Set(done);
    if (path.includes(name)) {
      throw new AuthConfigurationError(
        `roles.${name}.inherits`,
        `forms a cycle (${[...path, name].join(' -> ')})`,
        'remove one of the inherits links so the hierarchy is a tree',
      );
    }
    const result = new Set<string>();
    for (const parent of roles[name]!.inherits ?? []) {
      result.add(parent);
      for (const r of visit(parent, [...path, name])) result.add(r);
    }
    inheritedRoles.set(name, result);
    return new Set(result);
  };
  const rolePermissions = new Map<string, ReadonlySet<string>>();
  for (const name of names) {
    const all = new Set<string>(roles[name]!.permissions ?? []);
    for (const inherited of visit(name, [])) {
      for (const p of roles[inherited]!.permissions ?? []) all.add(p);
    }
    rolePermissions.set(name, Object.freeze(all));
  }
  return rolePermissions;
}
