/** Small statistics helpers: robust to a handful of noisy samples. */

/** The median; `NaN` for no values. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (0-100) by linear interpolation between closest ranks; `NaN` when empty. */
export function percentile(values: readonly number[], p: number): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return Number.NaN;
  const sorted = Float64Array.from(finite).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function min(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.min(...values);
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** Formats a number with `digits` decimals, or an en dash when it is not a number. */
export function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Formats a ratio as `1.23×`. */
export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(2)}×`;
}
