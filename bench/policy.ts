/**
 * Policy decision benchmark: 200 policies (the shipped defaults plus generated, realistic
 * ones), decisions on one core. Target: p99 < 1 ms and >= 20,000 decisions/s.
 * Run alone: `node --import tsx bench/policy.ts`.
 */
import { pathToFileURL } from 'node:url';
import { listActionTypes } from '../src/actions/index.ts';
import {
  compilePolicySet,
  IDENTITY_CLASSES,
  PolicyEngine,
  readPolicySources,
  DEFAULT_POLICY_DIR,
  type PolicySources,
} from '../src/policy/index.ts';

const TOTAL_POLICIES = 200;

/** The defaults plus generated policies of the kinds a security team adds over time. */
export function benchPolicySources(total = TOTAL_POLICIES): PolicySources {
  const base = readPolicySources(DEFAULT_POLICY_DIR);
  const have = Object.values(base.files).reduce((n, text) => n + (text.match(/@id\(/g)?.length ?? 0), 0);
  const actions = listActionTypes();
  const severities = ['low', 'medium', 'high', 'critical'];
  const lines: string[] = [];
  for (let i = 0; lines.length < total - have; i++) {
    const type = actions[i % actions.length];
    if (type === undefined) break;
    const a = `Action::"${type.name}"`;
    const severity = severities[i % severities.length];
    const threshold = 500 + ((i * 37) % 450);
    switch (Math.floor(i / actions.length) % 8) {
      case 0:
        lines.push(`@id("gen-${i}") @tier("approve") permit (principal is Workflow, action == ${a}, resource) when { context.severity == "${severity}" && context.confidence >= ${threshold} };`);
        break;
      case 1:
        lines.push(`@id("gen-${i}") @floor("dual") forbid (principal, action == ${a}, resource) when { context.blast_radius > ${100 + i} };`);
        break;
      case 2:
        lines.push(`@id("gen-${i}") @tier("suggest") permit (principal is User, action == ${a}, resource) when { context.origin == "human" && context.uncertainty <= ${threshold - 400} };`);
        break;
      case 3:
        lines.push(`@id("gen-${i}") @floor("approve") forbid (principal, action == ${a}, resource) when { context.mode == "normal" && context.severity == "${severity}" && context.confidence < ${threshold} };`);
        break;
      case 4:
        lines.push(`@id("gen-${i}") @tier("approve") permit (principal == Workflow::"playbook-${i}", action == ${a}, resource);`);
        break;
      case 5:
        lines.push(`@id("gen-${i}") @floor("dual") forbid (principal, action == ${a}, resource) when { context.identity_class == "${IDENTITY_CLASSES[i % IDENTITY_CLASSES.length]}" && context.regulated };`);
        break;
      case 6:
        lines.push(`@id("gen-${i}") @floor("suggest") forbid (principal is Advisor, action == ${a}, resource) when { context.uncertainty > ${threshold} };`);
        break;
      default: {
        const group = ['disruptive', 'mail', 'identity', 'irreversible'][i % 4];
        lines.push(`@id("gen-${i}") @floor("approve") forbid (principal, action in Action::"${group}", resource) when { context.severity == "low" && context.blast_radius > ${1000 + i} };`);
      }
    }
  }
  return { schema: base.schema, files: { ...base.files, 'generated.cedar': `${lines.join('\n')}\n` } };
}

/** A deterministic spread of realistic requests over every action and principal type. */
export function benchRequests(count: number): unknown[] {
  const actions = listActionTypes();
  const principals = ['workflow', 'workflow', 'workflow', 'advisor', 'user', 'agent'] as const;
  const origins = ['rule', 'ai', 'human'] as const;
  const severities = ['low', 'medium', 'high', 'critical'] as const;
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const type = actions[Math.floor(next() * actions.length)] ?? actions[0];
    if (type === undefined) break;
    const context: Record<string, unknown> = {
      confidence: Math.round(next() * 1000) / 1000,
      uncertainty: Math.round(next() * 300) / 1000,
      blast_radius: Math.floor(next() * 120),
      origin: origins[Math.floor(next() * origins.length)],
      severity: severities[Math.floor(next() * severities.length)],
      mode: next() < 0.1 ? 'major_incident' : 'normal',
      regulated: next() < 0.3,
      reversible: next() < 0.7,
    };
    if (type.groups.includes('identity')) {
      context.identity_class = IDENTITY_CLASSES[Math.floor(next() * IDENTITY_CLASSES.length)];
      context.dependents = Math.floor(next() * 3);
    }
    if (next() < 0.1) delete context.uncertainty; // some requests arrive with unknowns
    out.push({
      principal: { type: principals[Math.floor(next() * principals.length)], id: `p-${i % 50}` },
      action: type.name,
      resource: { type: type.target, id: `r-${i}` },
      tenant: 'bench',
      context,
    });
  }
  return out;
}

function measure(engine: PolicyEngine, requests: unknown[], rounds: number): { median: number; p99: number; perSecond: number } {
  const samples = new Float64Array(rounds);
  for (let i = 0; i < Math.min(rounds, 2000); i++) engine.decide(requests[i % requests.length]); // warm the JIT
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    engine.decide(requests[i % requests.length]);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { median: at(0.5), p99: at(0.99), perSecond: rounds / elapsed };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Three configurations over the same 200 policies and requests:
 * - the engine as shipped (slices per action and principal type, simple policies in JS);
 * - `cedar_sliced_*`: every policy of the slice evaluated by cedar-wasm;
 * - `cedar_unsliced_*`: cedar-wasm over the whole set each time (what slicing saves).
 */
export async function benchPolicy(): Promise<Record<string, number>> {
  const set = compilePolicySet(benchPolicySources());
  const requests = benchRequests(5000);
  const run = (options: { slicing?: boolean; fastPath?: boolean }, rounds: number) => {
    const engine = new PolicyEngine(set, options);
    try {
      engine.warm();
      return measure(engine, requests, rounds);
    } finally {
      engine.close();
    }
  };
  const shipped = run({}, 50_000);
  const sliced = run({ fastPath: false }, 5000);
  const whole = run({ slicing: false, fastPath: false }, 1000);
  return {
    policies: set.policies.length,
    median_us: round(shipped.median),
    p99_us: round(shipped.p99),
    decisions_per_s: Math.round(shipped.perSecond),
    cedar_sliced_median_us: round(sliced.median),
    cedar_sliced_p99_us: round(sliced.p99),
    cedar_sliced_decisions_per_s: Math.round(sliced.perSecond),
    cedar_unsliced_median_us: round(whole.median),
    cedar_unsliced_p99_us: round(whole.p99),
    cedar_unsliced_decisions_per_s: Math.round(whole.perSecond),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchPolicy());
}
