import type { Type } from '@nestjs/common';
import type {
  AuthModuleExtras,
  AuthModuleOptions,
  ResolvedAuthOptions,
  RoleDefinition,
} from './auth-module-options.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthConfigurationError } from '../core/auth-error.js';

/** Checks the static configuration when `forRoot`/`forRootAsync` is called. */
export function validateExtras(extras: AuthModuleExtras): void {
  if (!Array.isArray(extras.backends) || extras.backends.length === 0) {
    throw new AuthConfigurationError(
      'backends',
      'no backend is configured',
      'list at least one backend class, for example `backends: [JwtBackend]`',
    );
  }
  extras.backends.forEach((backend, index) => {
    if (typeof backend !== 'function' || !(backend.prototype instanceof AuthBackend)) {
      throw new AuthConfigurationError(
        `backends[${index}]`,
        'is not a class that extends AuthBackend',
        'pass the backend class itself (not an instance), and make it extend AuthBackend',
      );
    }
  });
  if (new Set(extras.backends).size !== extras.backends.length) {
    throw new AuthConfigurationError(
      'backends',
      'a backend class is listed twice',
      'list each backend class once',
    );
  }
  if (extras.userModel === undefined || extras.userModel === null) {
    throw new AuthConfigurationError(
      'userModel',
      'is missing',
      'pass a class that extends UserModel, for example `userModel: UsersModel`',
    );
  }
}

/** Checks that backend names are unique once the backends exist. */
export function validateBackendNames(backends: readonly AuthBackend[]): void {
  const seen = new Set<string>();
  backends.forEach((backend, index) => {
    const name: unknown = backend.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
      throw new AuthConfigurationError(
        `backends[${index}].name`,
        `"${String(name)}" is not a valid backend name`,
        'use 1 to 64 letters, digits, "_", "-", "." or ":"',
      );
    }
    if (seen.has(name)) {
      throw new AuthConfigurationError(
        `backends[${index}].name`,
        `two backends are named "${name}"`,
        'give every backend a unique name',
      );
    }
    seen.add(name);
  });
}

/** Validates the module options and precomputes what the request path reads. */
export function resolveOptions(options: AuthModuleOptions | undefined): ResolvedAuthOptions {
  if (options === null || typeof options !== 'object') {
    throw new AuthConfigurationError(
      'options',
      'is not an object',
      'return an options object from forRootAsync({ useFactory })',
    );
  }
  const realm = options.realm ?? 'api';
  if (typeof realm !== 'string' || !/^[\x20-\x7e]{1,128}$/.test(realm) || realm.includes('"')) {
    throw new AuthConfigurationError(
      'realm',
      'must be 1-128 printable ASCII characters without quotes',
      'use a short name such as "api"',
    );
  }
  const { rolePermissions, inheritedRoles } = expandRoles(options.roles ?? {});
  return { raw: options, realm, rolePermissions, inheritedRoles };
}

function expandRoles(roles: Readonly<Record<string, RoleDefinition>>): {
  rolePermissions: Map<string, ReadonlySet<string>>;
  inheritedRoles: Map<string, ReadonlySet<string>>;
} {
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) {
    throw new AuthConfigurationError(
      'roles',
      'must be an object of role definitions',
      "write `roles: { admin: { inherits: ['user'], permissions: ['users:manage'] } }`",
    );
  }
  const names = Object.keys(roles);
  for (const name of names) {
    const role = roles[name]!;
    for (const field of ['inherits', 'permissions'] as const) {
      const list = role[field];
      if (
        list !== undefined &&
        (!Array.isArray(list) || list.some((v) => typeof v !== 'string' || v === ''))
      ) {
        throw new AuthConfigurationError(
          `roles.${name}.${field}`,
          'must be an array of non-empty strings',
          `list strings, for example \`${field}: ['…']\``,
        );
      }
    }
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
  return { rolePermissions, inheritedRoles };
}

/** Narrows a provider class for error messages. */
export function describeType(type: Type<unknown>): string {
  return type.name || 'anonymous class';
}
