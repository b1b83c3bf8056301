import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import { DEFAULT_SCHEMA_FILE, compilePolicySet, diffPolicySets, policyDrift, runPolicyTests, type CompiledPolicySet } from '../../policy/index.ts';
import { addRoute } from '../route-kit.ts';
import type { RouteContext } from '../route-context.ts';
import { policySourcesBody } from '../schemas.ts';

const policyInfo = z.object({ id: z.string(), effect: z.enum(['permit', 'forbid']), level: z.string(), tenant: z.string().nullable(), file: z.string(), line: z.number(), description: z.string() });
const diff = z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()), schemaChanged: z.boolean() });
const deployment = z.object({ version: z.string(), deployedAt: z.number(), deployedBy: z.string(), diff, active: z.boolean() });

export function register(server: FastifyInstance, ctx: RouteContext): void {
  const { app, kit } = ctx;
  const tags = ['policies'];
  let shippedSchema: string | undefined;
  const compile = (body: z.output<typeof policySourcesBody>): CompiledPolicySet => {
    shippedSchema ??= readFileSync(DEFAULT_SCHEMA_FILE, 'utf8');
    return compilePolicySet({ schema: body.schema ?? shippedSchema, files: body.files });
  };
  const describe = (set: CompiledPolicySet) => ({
    version: set.version,
    policies: set.policies.map((p) => ({ id: p.id, effect: p.effect, level: p.level, tenant: p.tenant, file: p.file, line: p.line, description: p.description })),
    tenants: [...set.tenants],
    warnings: [...set.warnings],
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/policies/current',
    action: 'policy.read',
    summary: 'The policy set in force: version, policies with their reasons, and its sources',
    tags,
    response: z.object({ version: z.string(), policies: z.array(policyInfo), tenants: z.array(z.string()), warnings: z.array(z.string()), sources: z.object({ schema: z.string(), files: z.record(z.string(), z.string()) }) }),
    handle: async () => {
      const set = (await app.kernel.policies.current()).policySet;
      return { ...describe(set), sources: { schema: set.sources.schema, files: { ...set.sources.files } } };
    },
  });

  addRoute(server, kit, {
    method: 'GET',
    url: '/api/v1/policies/history',
    action: 'policy.read',
    summary: 'Every deployment, newest first, with its diff',
    tags,
    response: z.object({ items: z.array(deployment) }),
    handle: async () => ({ items: await app.kernel.policies.history() }),
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/policies/validate',
    action: 'policy.validate',
    summary: 'Validate a policy set against the schema (Cedar, strict); every problem is listed with file and line',
    tags,
    body: policySourcesBody,
    response: z.object({ version: z.string(), policies: z.array(policyInfo), tenants: z.array(z.string()), warnings: z.array(z.string()) }),
    handle: async ({ body }) => describe(compile(body)),
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/policies/diff',
    action: 'policy.validate',
    summary: 'What deploying this set would change, by policy id, against the set in force',
    tags,
    body: policySourcesBody,
    response: z.object({ from: z.string(), to: z.string(), diff }),
    handle: async ({ body }) => {
      const active = (await app.kernel.policies.current()).policySet;
      const next = compile(body);
      return { from: active.version, to: next.version, diff: diffPolicySets(active, next) };
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/policies/deploy',
    action: 'policy.deploy',
    summary: 'Deploy a validated policy set; it becomes the one version in force, and the deployment is ledgered with its diff',
    tags,
    status: 201,
    body: policySourcesBody.extend({
      /** The version you reviewed the diff against: refused (409) if another deployment happened since. */
      expectedCurrent: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    }),
    response: deployment,
    handle: async ({ body, caller }) => {
      const next = compile(body);
      if (body.expectedCurrent !== undefined) {
        const active = (await app.kernel.policies.current()).version;
        if (active !== body.expectedCurrent) throw new WritError('WRIT_CONFLICT', `the set in force is ${active.slice(0, 12)}…, not ${body.expectedCurrent.slice(0, 12)}…; review the diff again`);
      }
      return app.kernel.policies.deploy(next, caller.actor);
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/policies/explain',
    action: 'policy.explain',
    summary: 'Decide one decision request under the set in force and say why (changes nothing)',
    tags,
    body: z.unknown(),
    response: z.object({ decision: z.string(), policies: z.array(z.string()), version: z.string(), explanation: z.string(), unknown: z.array(z.string()) }),
    handle: async ({ body }) => {
      const d = (await app.kernel.policies.current()).decide(body);
      return { decision: d.decision, policies: d.policies, version: d.version, explanation: d.explanation, unknown: d.unknown };
    },
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/policies/drift',
    action: 'policy.validate',
    summary: "Where tenants' effective decisions (base + overlay) differ for the same requests, under the set in force",
    tags,
    body: z.strictObject({ requests: z.array(z.strictObject({ name: z.string().min(1).max(200), request: z.unknown() })).min(1).max(1000) }),
    response: z.object({ version: z.string(), scopes: z.array(z.string()), rows: z.array(z.object({ name: z.string(), decisions: z.record(z.string(), z.string()), differs: z.boolean() })) }),
    handle: async ({ body }) => policyDrift(await app.kernel.policies.current(), body.requests.map((r) => ({ name: r.name, request: r.request }))),
  });

  addRoute(server, kit, {
    method: 'POST',
    url: '/api/v1/policies/test',
    action: 'policy.validate',
    summary: 'Run fixtures (request → expected decision) against a policy set, as `writ policy test` does',
    tags,
    body: policySourcesBody.extend({ fixtures: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,100}\.json$/, 'NAME.json'), z.unknown()) }),
    response: z.object({
      version: z.string(),
      passed: z.number(),
      failed: z.number(),
      uncovered: z.array(z.string()),
      results: z.array(z.object({ file: z.string(), name: z.string(), ok: z.boolean(), expected: z.string(), actual: z.string(), message: z.string().optional() })),
    }),
    handle: async ({ body }) => {
      const set = compile(body);
      const dir = mkdtempSync(join(tmpdir(), 'writ-fixtures-'));
      try {
        for (const [name, content] of Object.entries(body.fixtures)) writeFileSync(join(dir, name), JSON.stringify(content));
        const report = runPolicyTests(dir, { set, fixturesDir: dir });
        return { version: report.version, passed: report.passed, failed: report.failed, uncovered: [...report.uncovered], results: report.results.map((r) => ({ ...r })) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
}
