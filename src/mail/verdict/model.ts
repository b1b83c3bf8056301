import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';

/**
 * A logistic regression over named features, calibrated with Platt scaling. Weights are
 * fitted by scripts/fit-verdict-model.ts and stored in model.json beside this file; the
 * file holds weights and summary figures only, never messages.
 */
export interface VerdictModel {
  version: 1;
  kind: 'logistic-platt';
  /** log-odds = intercept + Σ weights[f] · value(f); every weight ≥ 0 (evidence only adds). */
  weights: Record<string, number>;
  intercept: number;
  /** Platt scaling of the raw log-odds: p = σ(a · logOdds + b). */
  calibration: { a: number; b: number };
  /** Thresholds chosen at fitting time; configuration may override them. */
  thresholds: { autoContain: number; autoClose: number };
  fitted: Record<string, unknown>;
}

const finite = z.number().finite();
const modelSchema = z.object({
  version: z.literal(1),
  kind: z.literal('logistic-platt'),
  weights: z.record(z.string(), finite.min(0)),
  intercept: finite,
  calibration: z.object({ a: finite.positive(), b: finite }),
  thresholds: z.object({ autoContain: z.number().min(0).max(1), autoClose: z.number().min(0).max(1) }),
  fitted: z.record(z.string(), z.unknown()),
});

export function parseModel(value: unknown): VerdictModel {
  const parsed = modelSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WritError('WRIT_INPUT_INVALID', `verdict model: ${issue?.path.join('.') || 'model'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as VerdictModel;
}

export const MODEL_FILE = new URL('./model.json', import.meta.url);

export const DEFAULT_MODEL: VerdictModel = Object.freeze(parseModel(JSON.parse(readFileSync(MODEL_FILE, 'utf8'))));

export interface Score {
  /** Calibrated probability of malice. */
  probability: number;
  logOdds: number;
  /** Each feature's share of the log-odds (before calibration), non-zero only. */
  contributions: { feature: string; value: number; contribution: number }[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function score(model: VerdictModel, values: Record<string, number>): Score {
  let logOdds = model.intercept;
  const contributions: Score['contributions'] = [];
  for (const [feature, weight] of Object.entries(model.weights)) {
    const value = values[feature] ?? 0;
    if (value === 0 || weight === 0) continue;
    const contribution = weight * value;
    logOdds += contribution;
    contributions.push({ feature, value, contribution });
  }
  contributions.sort((x, y) => y.contribution - x.contribution || x.feature.localeCompare(y.feature));
  return { probability: sigmoid(model.calibration.a * logOdds + model.calibration.b), logOdds, contributions };
}
