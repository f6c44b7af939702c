import { NotFoundException } from '@nestjs/common';

/** A numeric route id; anything else names no record, so it is a 404. */
export function numericId(raw: string): number {
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw new NotFoundException();
  return Number(raw);
}
