/**
 * Fitting the verdict model: L2-regularised logistic regression with non-negative weights
 * (cyclic coordinate descent, one Newton step per coordinate, then projection onto w ≥ 0),
 * and Platt scaling on out-of-fold scores. Pure and deterministic: the same data gives the
 * same weights to the last digit on every machine.
 */

export interface Dataset {
  x: number[][];
  y: (0 | 1)[];
}

export interface LogisticFit {
  weights: number[];
  intercept: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Minimises Σ log-loss + (λ/2)‖w‖² subject to 0 ≤ w ≤ maxWeight; the intercept is free and
 * unpenalised. The upper bound keeps any one piece of evidence from deciding alone.
 */
export function fitLogistic(data: Dataset, lambda: number, options: { maxSweeps?: number; tolerance?: number; maxWeight?: number } = {}): LogisticFit {
  const { maxSweeps = 2000, tolerance = 1e-9, maxWeight = Infinity } = options;
  const n = data.y.length;
  const d = data.x[0]?.length ?? 0;
  const w = new Array<number>(d).fill(0);
  const positives = data.y.reduce<number>((s, y) => s + y, 0);
  let b = Math.log((positives + 0.5) / (n - positives + 0.5));
  const z = new Array<number>(n).fill(b);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let biggest = 0;
    // intercept
    {
      let g = 0;
      let h = 1e-12;
      for (let i = 0; i < n; i++) {
        const p = sigmoid(z[i]!);
        g += p - data.y[i]!;
        h += p * (1 - p);
      }
      const step = g / h;
      b -= step;
      for (let i = 0; i < n; i++) z[i]! -= step;
      biggest = Math.max(biggest, Math.abs(step));
    }
    for (let j = 0; j < d; j++) {
      let g = lambda * w[j]!;
      let h = lambda + 1e-12;
      for (let i = 0; i < n; i++) {
        const xij = data.x[i]![j]!;
        if (xij === 0) continue;
        const p = sigmoid(z[i]!);
        g += (p - data.y[i]!) * xij;
        h += p * (1 - p) * xij * xij;
      }
      const next = Math.min(maxWeight, Math.max(0, w[j]! - g / h));
      const delta = next - w[j]!;
      if (delta === 0) continue;
      w[j] = next;
      for (let i = 0; i < n; i++) {
        const xij = data.x[i]![j]!;
        if (xij !== 0) z[i]! += delta * xij;
      }
      biggest = Math.max(biggest, Math.abs(delta));
    }
    if (biggest < tolerance) break;
  }
  return { weights: w, intercept: b };
}

export function logOdds(fit: LogisticFit, x: readonly number[]): number {
  let z = fit.intercept;
  for (let j = 0; j < x.length; j++) z += fit.weights[j]! * x[j]!;
  return z;
}

/**
 * Platt scaling: fits p = σ(a·s + b) to labels by Newton's method, with Platt's smoothed
 * targets so that a perfectly separated fold does not drive the slope to infinity.
 */
export function fitPlatt(scores: readonly number[], y: readonly (0 | 1)[]): { a: number; b: number } {
  const pos = y.reduce<number>((s, v) => s + v, 0);
  const neg = y.length - pos;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const t = y.map((v) => (v === 1 ? hi : lo));
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 200; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < scores.length; i++) {
      const p = sigmoid(a * scores[i]! + b);
      const r = p - t[i]!;
      const w = p * (1 - p);
      ga += r * scores[i]!;
      gb += r;
      haa += w * scores[i]! * scores[i]!;
      hab += w * scores[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-18) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}

export function logLoss(p: readonly number[], y: readonly (0 | 1)[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p[i]!));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / Math.max(1, p.length);
}

/** A stable fold number for an item, from its name (not its position), so folds never shift. */
export function foldOf(name: string, folds: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % folds;
}

/** Out-of-fold raw log-odds for every item, with the model fitted on the other folds. */
export function outOfFold(data: Dataset, names: readonly string[], folds: number, lambda: number, maxWeight = Infinity): number[] {
  const fold = names.map((n) => foldOf(n, folds));
  const out = new Array<number>(data.y.length).fill(0);
  for (let f = 0; f < folds; f++) {
    const train: Dataset = { x: [], y: [] };
    for (let i = 0; i < data.y.length; i++) {
      if (fold[i] !== f) {
        train.x.push(data.x[i]!);
        train.y.push(data.y[i]!);
      }
    }
    const fit = fitLogistic(train, lambda, { maxWeight });
    for (let i = 0; i < data.y.length; i++) if (fold[i] === f) out[i] = logOdds(fit, data.x[i]!);
  }
  return out;
}

/**
 * Thresholds from calibrated probabilities. Auto-contain: the lowest probability at which
 * at most `maxFalseContain` of the legitimate messages would be contained (counting only
 * messages `eligible` for containment). Auto-close: the lowest probability at which at most
 * `maxAnalystShare` of all messages are left for an analyst, never above `closeCeiling`.
 * The share of phishing this closes is a result to report, not an input: with
 * evidence-only features, a report without evidence cannot be told from phishing without any.
 */
export function chooseThresholds(
  p: readonly number[],
  y: readonly (0 | 1)[],
  eligible: readonly boolean[],
  targets: { maxFalseContain: number; maxAnalystShare: number; closeCeiling: number },
): { autoContain: number; autoClose: number } {
  const ham = p.filter((_, i) => y[i] === 0 && eligible[i]).sort((a, b) => b - a);
  const hamTotal = y.filter((v) => v === 0).length;
  const allowedFp = Math.floor(targets.maxFalseContain * hamTotal);
  // contain strictly above the (allowedFp+1)-th highest eligible legitimate score
  const autoContain = Math.min(0.999, Math.ceil(((ham[allowedFp] ?? 0) + 1e-9) * 1000) / 1000);
  const open = p.filter((v, i) => !(eligible[i] && v >= autoContain)).sort((a, b) => a - b);
  const allowedOpen = Math.floor(targets.maxAnalystShare * p.length);
  // close everything up to and including the k-th lowest open score, k chosen so that what
  // stays open fits the analyst share
  const k = Math.max(0, open.length - allowedOpen - 1);
  let autoClose = open.length === 0 ? 0.001 : Math.floor(((open[k] ?? 0) + 1e-9) * 1000) / 1000 + 0.001;
  autoClose = Math.min(autoClose, targets.closeCeiling, autoContain - 0.001);
  return { autoContain, autoClose: Math.round(autoClose * 1000) / 1000 };
}
