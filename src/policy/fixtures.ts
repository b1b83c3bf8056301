import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { isWritError, WritError } from '../errors/index.ts';
import { PolicyEngine, type PolicyDecision, type PrincipalFacts } from './engine.ts';
import { loadPolicyDir } from './policy-loader.ts';
import type { CompiledPolicySet } from './policy-set.ts';
import { DECISIONS } from './tiers.ts';

const facts = z.strictObject({ actions: z.array(z.string()).optional(), roles: z.array(z.string()).optional() });

const caseSchema = z.strictObject({
  name: z.string().min(1),
  request: z.unknown(),
  /** Attributes of the principal from Writ's directory (a workflow's declared actions). */
  principal_facts: facts.optional(),
  expect: z.union([
    z.strictObject({ decision: z.enum(DECISIONS), policies: z.array(z.string()).optional() }),
    z.strictObject({ error: z.string().regex(/^WRIT_[A-Z_]+$/) }),
  ]),
});

const fileSchema = z.strictObject({ description: z.string().optional(), cases: z.array(caseSchema).min(1) });

export type PolicyFixtureCase = z.infer<typeof caseSchema>;

export interface FixtureResult {
  file: string;
  name: string;
  ok: boolean;
  expected: string;
  actual: string;
  /** Why it failed, in one line. */
  message?: string;
}

export interface PolicyTestReport {
  version: string;
  results: FixtureResult[];
  passed: number;
  failed: number;
  /** Policies no fixture exercised (never satisfied nor erroring in any case). */
  uncovered: string[];
}

/**
 * Runs `DIR/fixtures/*.json` against the policy set in DIR. Each file holds
 * `{"description"?, "cases": [{"name", "request", "principal_facts"?, "expect": {"decision",
 * "policies"?} | {"error": "WRIT_…"}}]}`; expected policies compare as a set.
 * A file that cannot be read or parsed is reported as a failing row, not thrown.
 * @throws WritError WRIT_POLICY_INVALID when the policies themselves are invalid
 */
export function runPolicyTests(dir: string, options: { set?: CompiledPolicySet; fixturesDir?: string } = {}): PolicyTestReport {
  const set = options.set ?? loadPolicyDir(dir);
  const engine = new PolicyEngine(set);
  const results: FixtureResult[] = [];
  const exercised = new Set<string>();
  try {
    for (const file of fixtureFiles(options.fixturesDir ?? join(dir, 'fixtures'))) {
      const name = basename(file);
      let cases: PolicyFixtureCase[];
      try {
        cases = readFixtureFile(file);
      } catch (error) {
        results.push({ file: name, name: '(file)', ok: false, expected: 'a fixture file', actual: 'unreadable', message: oneLine(error) });
        continue;
      }
      for (const fixture of cases) {
        const result = runCase(engine, fixture, exercised);
        results.push({ file: name, ...result });
      }
    }
  } finally {
    engine.close();
  }
  const failed = results.filter((r) => !r.ok).length;
  return {
    version: set.version,
    results,
    passed: results.length - failed,
    failed,
    uncovered: set.policies.map((p) => p.id).filter((id) => !exercised.has(id)),
  };
}

export function readFixtureFile(path: string): PolicyFixtureCase[] {
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WritError('WRIT_INPUT_INVALID', `${basename(path)}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.cases;
}

function runCase(engine: PolicyEngine, fixture: PolicyFixtureCase, exercised: Set<string>): Omit<FixtureResult, 'file'> {
  const expect = fixture.expect;
  const expected = 'error' in expect ? expect.error : describe(expect.decision, expect.policies);
  let decision: PolicyDecision;
  try {
    const principal: PrincipalFacts | undefined = fixture.principal_facts;
    decision = engine.decide(fixture.request, principal === undefined ? {} : { principal });
  } catch (error) {
    const code = isWritError(error) ? error.code : 'WRIT_INTERNAL';
    const ok = 'error' in expect && expect.error === code;
    return { name: fixture.name, ok, expected, actual: code, ...(ok ? {} : { message: oneLine(error) }) };
  }
  for (const m of decision.matched) exercised.add(m.id);
  const actual = describe(decision.decision, decision.policies);
  if ('error' in expect) {
    return { name: fixture.name, ok: false, expected, actual, message: `expected ${expect.error}, got a decision` };
  }
  const sameDecision = decision.decision === expect.decision;
  const samePolicies =
    expect.policies === undefined ||
    (expect.policies.length === decision.policies.length && expect.policies.every((id) => decision.policies.includes(id)));
  const ok = sameDecision && samePolicies;
  return { name: fixture.name, ok, expected, actual, ...(ok ? {} : { message: decision.explanation }) };
}

function describe(decision: string, policies: readonly string[] | undefined): string {
  return policies === undefined ? decision : `${decision} [${[...policies].sort().join(', ')}]`;
}

function fixtureFiles(dir: string): string[] {
  try {
    if (!statSync(dir).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split(/\r?\n/, 1)[0] ?? '';
}
