const units: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export const durationPattern = /^(never|[1-9][0-9]{0,5}[mhdw])$/;

/**
 * Parses a validity period such as `30m`, `24h`, `7d`, `2w` or `never`.
 * Returns milliseconds, `null` for `never`, and throws on anything else.
 */
export function parseDuration(value: string): number | null {
  if (!durationPattern.test(value)) throw new Error(`not a duration: ${value}`);
  if (value === 'never') return null;
  const amount = Number(value.slice(0, -1));
  return amount * units[value.slice(-1)]!;
}
