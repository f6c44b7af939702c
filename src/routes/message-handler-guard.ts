import type { Provider } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { PATTERN_METADATA, RpcTransport } from '../transports/rpc.transport.js';
import { AuthGuard } from './auth.guard.js';

/** DI token of the step that guards every message handler; its value is how many it guarded. */
export const MESSAGE_HANDLERS_GUARDED = Symbol('gatehouse:message-handlers-guarded');

/**
 * Puts the guard on every `@MessagePattern` and `@EventPattern` handler itself, when the module
 * is instantiated (before any microservice reads its handlers' guards).
 *
 * A hybrid application's microservice does not get the application's global guards unless it is
 * connected with `inheritAppConfig: true`; without this step its handlers would run for anyone.
 * When the global guard applies too, the guard runs twice on one message and decides once: both
 * runs share the message's view.
 *
 * Nest reads a handler's guards when its microservice is connected, and the metadata belongs to
 * the class: an application built from the same controller classes after another one takes the
 * handlers over for the microservices connected from then on. Connect a hybrid application's
 * microservice right after creating it (as `NestFactory.create` then `connectMicroservice` do).
 */
export const messageHandlerGuard: Provider = {
  provide: MESSAGE_HANDLERS_GUARDED,
  inject: [AuthGuard, ModulesContainer, RpcTransport],
  useFactory: async (guard: AuthGuard, modules: ModulesContainer, rpc: RpcTransport) => {
    let guarded = 0;
    for (const module of modules.values()) {
      for (const wrapper of module.controllers.values()) {
        for (const handler of methodsOf(wrapper.metatype)) {
          if (!Reflect.hasMetadata(PATTERN_METADATA, handler)) continue;
          // The metadata is the class's, shared by every application built from it: the guard
          // of an application built earlier from the same classes makes way for this one's.
          const others = (
            (Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[]) ?? []
          ).filter((existing) => !(existing instanceof AuthGuard));
          Reflect.defineMetadata(GUARDS_METADATA, [guard, ...others], handler);
          guarded++;
        }
      }
    }
    // Refusals are RpcExceptions; the class is loaded only by applications that have handlers.
    if (guarded > 0) await rpc.load();
    return guarded;
  },
};

/** The methods of a class, inherited ones included. */
function methodsOf(type: unknown): Set<object> {
  const methods = new Set<object>();
  let prototype = (type as { prototype?: unknown } | null)?.prototype;
  while (typeof prototype === 'object' && prototype !== null && prototype !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const value = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
      if (typeof value === 'function' && name !== 'constructor') methods.add(value);
    }
    prototype = Object.getPrototypeOf(prototype);
  }
  return methods;
}
