const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * Seconds from `90s`, `15m`, `4h`, `7d`, `2w`, an ISO 8601 duration without years or
 * months (`P1DT4H`), or a non-negative integer number of seconds. Undefined when invalid.
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const simple = /^(\d+)\s*([smhdw])$/.exec(text);
  if (simple) return Number(simple[1]) * (UNIT_SECONDS[simple[2] ?? 's'] ?? 1);
  const iso = ISO.exec(text);
  if (iso && text !== 'P' && !text.endsWith('T')) {
    const [, d, h, m, s] = iso;
    return Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  }
  return undefined;
}
