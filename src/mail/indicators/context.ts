import type { CompiledMailOptions } from '../options.ts';
import type { Indicator, IndicatorSource, LimitHit, Provenance } from '../types.ts';

/** What every extractor shares while one message is analysed. */
export interface ExtractContext {
  readonly options: CompiledMailOptions;
  /** Timestamp stamped on every indicator's provenance. */
  readonly at: string;
  /** Epoch milliseconds after which remaining stages are skipped. */
  readonly deadline: number;
  readonly indicators: Indicator[];
  readonly limits: LimitHit[];
  readonly errors: string[];
}

export function provenance(ctx: ExtractContext, extractor: string, source: IndicatorSource, location?: string): Provenance {
  return location === undefined ? { extractor, source, at: ctx.at } : { extractor, source, at: ctx.at, location };
}

/** Records the time limit once and tells the caller to stop. */
export function outOfTime(ctx: ExtractContext): boolean {
  if (Date.now() <= ctx.deadline) return false;
  if (!ctx.limits.some((l) => l.limit === 'time')) {
    ctx.limits.push({ limit: 'time', max: ctx.options.limits.maxTimeMs, observed: ctx.options.limits.maxTimeMs + (Date.now() - ctx.deadline) });
  }
  return true;
}

/** Records a bound that truncated the analysis (once per kind). */
export function recordLimit(ctx: ExtractContext, limit: string, max: number, observed: number): void {
  const existing = ctx.limits.find((l) => l.limit === limit);
  if (existing) existing.observed = Math.max(existing.observed, observed);
  else ctx.limits.push({ limit, max, observed });
}

/** Control characters that must never survive into a header value (CR/LF would inject headers). */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u0008\u000a-\u001f\u007f]+/g;

export const sanitiseLine = (value: string, max = 500): string => value.replace(CONTROL_ALL, ' ').slice(0, max);
