/**
 * Identity response benchmark (issue 5):
 * - finding → verified revocation for the auto tier against the local PostgreSQL (a real role:
 *   NOLOGIN, sessions ended, secret replaced, read back). Target < 2 s. Timed from the raw
 *   gitleaks report to the executed action whose read-back evidence is ok: parse, enrich,
 *   plan, case, proposal, Cedar decision, grant, connector, read-back, ledger.
 * - findings/s through enrichment and decision: persisted end to end (finding, case, plan,
 *   decided proposals, ledger) on each store engine, and in memory (enrich, plan, decide).
 * Run alone: `node --import tsx bench/identity.ts`; BENCH_QUICK=1 for small sizes.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { getActionType } from '../src/actions/index.ts';
import { PostgresRoleConnector, enrichFinding, kernelProposal, parseGitleaksReport, planForEnriched, type PlanStep } from '../src/identity/index.ts';
import type { Engine } from '../src/store/index.ts';
import { createTestDatabase } from '../test/support/engines.ts';
import { makeIdentityWorld } from '../test/identity/response-world.ts';
import { PG_ADMIN_URL, pgCanLogin, pgSandbox } from '../test/identity/support.ts';

const CLASSES = ['customer_facing_production', 'internal_batch', 'ci_cd', 'partner_integration', 'break_glass'] as const;

export async function benchIdentity(options: { revocations?: number; findings?: number; inventory?: number } = {}): Promise<Record<string, number>> {
  const quick = process.env.BENCH_QUICK === '1';
  const revocations = options.revocations ?? (quick ? 5 : 20);
  const findings = options.findings ?? (quick ? 200 : 1000);
  const inventory = options.inventory ?? (quick ? 500 : 5000);
  const out: Record<string, number> = {};
  for (const engine of ['sqlite', 'postgres'] as const) {
    Object.assign(out, await revocationLatency(engine, revocations));
    Object.assign(out, await findingThroughput(engine, findings, inventory));
  }
  return out;
}

async function revocationLatency(engine: Engine, runs: number): Promise<Record<string, number>> {
  const database = await createTestDatabase(engine);
  const store = await database.open();
  const box = await pgSandbox();
  const world = await makeIdentityWorld(store, { systems: (fp) => ({ postgres: new PostgresRoleConnector({ admin: { connectionString: PG_ADMIN_URL }, fingerprinter: fp, probe: { database: box.database } }) }), checkpointIntervalMs: 1000 });
  try {
    const times: number[] = [];
    let lastRole: { name: string; password: string } | undefined;
    for (let i = 0; i <= runs; i++) {
      const role = await box.createRole();
      await world.response.identities.importText(
        `- id: token-${i}\n  kind: token\n  owner: { team: checkout }\n  class: customer_facing_production\n  environment: production\n  system: { connector: postgres, target: ${role.name} }\n  lifetime: { kind: long_lived }\n  secretFingerprints: [${world.fingerprinter.of(role.password)}]\n`,
        'inventory.yaml',
        { tenant: 'acme', actor: 'user:bench' },
      );
      const report = JSON.stringify([{ RuleID: 'generic-api-key', Secret: role.password, File: '.env', StartLine: 1 }]);
      const start = performance.now();
      const [outcome] = await world.response.ingest({ format: 'gitleaks', body: report, tenant: 'acme' });
      await world.drain();
      const revoke = outcome?.proposed.find((p) => p.action === 'revoke_token');
      const action = revoke ? await world.kernel.actions.get(revoke.actionId) : undefined;
      const elapsed = performance.now() - start;
      const evidence = (action?.result as { evidence?: { ok?: boolean } } | null)?.evidence;
      if (action?.status !== 'executed' || evidence?.ok !== true) throw new Error(`revocation ${i} did not verify: ${action?.status} ${action?.error ?? ''}`);
      if (i > 0) times.push(elapsed); // the first run pays for compiling the policy set
      lastRole = role;
    }
    const login = await pgCanLogin(lastRole!.name, lastRole!.password, box.database);
    if (login.ok || login.code !== '28000') throw new Error('the revoked role can still log in');
    times.sort((a, b) => a - b);
    return {
      [`${engine}_finding_to_verified_revocation_ms_median`]: round(times[Math.floor(times.length / 2)]!),
      [`${engine}_finding_to_verified_revocation_ms_p95`]: round(times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!),
      [`${engine}_finding_to_verified_revocation_ms_max`]: round(times[times.length - 1]!),
    };
  } finally {
    await world.dispose();
    await store.close();
    await database.drop();
    await box.cleanup();
  }
}

async function findingThroughput(engine: Engine, count: number, size: number): Promise<Record<string, number>> {
  const database = await createTestDatabase(engine);
  const store = await database.open();
  const world = await makeIdentityWorld(store, { systems: () => ({}), checkpointIntervalMs: 1000 });
  try {
    const lines = ['identities:'];
    for (let i = 0; i < size; i++) {
      const deps = i % 4 === 0 ? `\n    dependents: [{ kind: job, ref: job-${i} }, { kind: identity, ref: id-${(i + 1) % size} }]` : '';
      lines.push(`  - id: id-${i}\n    kind: ${i % 3 === 0 ? 'database_role' : 'token'}\n    owner: { team: team-${i % 17}, contact: team-${i % 17}@example.com }\n    class: ${CLASSES[i % CLASSES.length]}\n    environment: production\n    system: { connector: postgres, target: role_${i} }\n    lifetime: { kind: long_lived }${deps}\n    secretFingerprints: [${world.fingerprinter.of(`secret-${i}`)}]`);
    }
    await world.response.identities.importText(lines.join('\n'), 'inventory.yaml', { tenant: 'acme', actor: 'user:bench' });
    const reports = Array.from({ length: count }, (_, i) => JSON.stringify([{ RuleID: 'generic-api-key', Secret: `secret-${(i * 7) % size}`, File: `f${i}.env`, StartLine: i }]));
    await world.response.ingest({ format: 'gitleaks', body: JSON.stringify([{ RuleID: 'warm', Secret: 'warm-up', File: 'w' }]), tenant: 'acme' });

    // In memory: enrich against the inventory, plan, and decide each proposal (no storage).
    const inv = await world.response.identities.inventory('acme');
    const engineP = await world.kernel.actions.policyEngine();
    const ctx = { fingerprinter: world.fingerprinter };
    let decisions = 0;
    const memStart = performance.now();
    for (const text of reports) {
      for (const finding of parseGitleaksReport(text, ctx)) {
        const plan = planForEnriched(enrichFinding(finding, { inventory: inv }), { now: new Date() });
        for (const step of plan.steps) {
          // Notices and the case itself are not decided: the runner records them (see plan-runner.ts).
          if (!step.proposal || step.proposal.target.type !== 'identity' || step.proposal.action === 'notify_external') continue;
          engineP.decide(decisionRequest(step, 'acme'), { principal: { actions: ['revoke_token', 'disable_account', 'rotate_secret', 'shorten_session_lifetime', 'notify_external'] } });
          decisions += 1;
        }
      }
    }
    const memSeconds = (performance.now() - memStart) / 1000;

    // Persisted end to end: finding, case, plan and steps, decided proposals, ledger entries.
    const start = performance.now();
    for (const body of reports.slice(0, count)) await world.response.ingest({ format: 'gitleaks', body, tenant: 'acme' });
    const seconds = (performance.now() - start) / 1000;
    return {
      [`${engine}_findings_per_s_persisted`]: Math.round(count / seconds),
      [`${engine}_findings_per_s_in_memory`]: Math.round(count / memSeconds),
      [`${engine}_decisions_in_memory`]: decisions,
      [`${engine}_inventory_size`]: size,
    };
  } finally {
    await world.dispose();
    await store.close();
    await database.drop();
  }
}

/** The request the kernel would build for this step (it adds reversibility, blast radius, origin, mode). */
function decisionRequest(step: PlanStep, tenant: string) {
  const p = kernelProposal(step, { caseId: 'bench', tenant });
  const type = getActionType(p.type);
  return {
    principal: { type: p.principal.type, id: p.principal.id },
    action: p.type,
    resource: p.target,
    tenant,
    context: { ...p.context, reversible: type.isReversible(p.params), blast_radius: type.blastRadius(p.params, p.facts ?? {}) ?? null, origin: 'rule', mode: 'normal' },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${JSON.stringify(await benchIdentity(), null, 2)}\n`);
}
