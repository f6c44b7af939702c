import type { ExceptionFilter, Type } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA } from '@nestjs/common/constants.js';
import type { ModulesContainer } from '@nestjs/core';

/**
 * Puts `filter` first in the filter list of every provider class `matches` picks, once: a list
 * Nest tries from its end, so the class's and its methods' own filters keep their say. Run when
 * the module is instantiated, before the handlers are bound. Returns how many classes matched.
 * Internal.
 */
export function putClassFilter(
  modules: ModulesContainer,
  matches: (type: Type<unknown>) => boolean,
  filter: ExceptionFilter,
): number {
  let found = 0;
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const type = wrapper.metatype as Type<unknown> | null;
      if (typeof type !== 'function' || !matches(type)) continue;
      const filters = (Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, type) as unknown[]) ?? [];
      if (!filters.some((f) => f instanceof filter.constructor)) {
        Reflect.defineMetadata(EXCEPTION_FILTERS_METADATA, [filter, ...filters], type);
      }
      found++;
    }
  }
  return found;
}
