import { Injectable, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { RoutePolicies } from './route-policy.js';

/**
 * Resolves every controller route's policy when the application boots, so that mistakes in
 * `@Auth`/`@Public`/`@HasPermission` fail the start instead of a request, and so the first
 * request of a route pays no metadata lookups.
 */
@Injectable()
export class AuthRouteScanner implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly policies: RoutePolicies,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      const controller = wrapper.metatype as Type<unknown> | undefined;
      if (!instance || !controller) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler === 'function') {
          this.policies.resolve(controller, handler);
        }
      }
    }
  }
}
