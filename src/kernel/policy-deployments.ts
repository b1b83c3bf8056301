import { WritError } from '../errors/index.ts';
import type { Ledger } from '../ledger/index.ts';
import {
  DEFAULT_POLICY_DIR,
  PolicyEngine,
  compilePolicySet,
  diffPolicySets,
  loadPolicyDir,
  type CompiledPolicySet,
  type PolicySetDiff,
  type PolicySources,
} from '../policy/index.ts';
import type { Store } from '../store/index.ts';

const BOOTSTRAP_ACTOR = 'system:bootstrap';

export interface Deployment {
  version: string;
  deployedAt: number;
  deployedBy: string;
  diff: PolicySetDiff;
  active: boolean;
}

/**
 * Policy versions are deployed, not edited: each deployment stores the canonical sources,
 * ledgers its diff against the set in force, and becomes the one active version. A fresh
 * database deploys the shipped defaults. Every process follows the active version, so
 * several workers on one PostgreSQL decide under the same set.
 */
export class PolicyDeployments {
  private engine: PolicyEngine | undefined;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
  ) {}

  /** The engine for the active version, reloading when another process deployed since. */
  async current(): Promise<PolicyEngine> {
    const row = await this.store.db.selectFrom('policy_deployments').select(['version', 'sources']).where('active', '=', 1).executeTakeFirst();
    if (!row) {
      await this.deploy(loadPolicyDir(DEFAULT_POLICY_DIR), BOOTSTRAP_ACTOR);
      return this.current();
    }
    if (this.engine?.version !== row.version) {
      const set = compilePolicySet(JSON.parse(row.sources) as PolicySources);
      if (this.engine) this.engine.replace(set);
      else this.engine = new PolicyEngine(set);
    }
    return this.engine!;
  }

  /** The engine as last loaded (for synchronous use right after `current()`). */
  loaded(): PolicyEngine {
    if (!this.engine) throw new WritError('WRIT_INTERNAL', 'no policy set loaded yet');
    return this.engine;
  }

  /**
   * Deploys a validated set. An invalid set never gets here (compiling refuses it with
   * Cedar's error) and the set in force stays. Deploying the active version is a no-op.
   */
  async deploy(set: CompiledPolicySet, actor: string): Promise<Deployment> {
    // The first deployment is diffed against the shipped defaults, which were in force.
    if (actor !== BOOTSTRAP_ACTOR) await this.current();
    const deployment = await this.store.transaction(async (trx) => {
      const active = await trx.selectFrom('policy_deployments').select(['version', 'sources']).where('active', '=', 1).executeTakeFirst();
      if (active?.version === set.version) return undefined;
      const previous = active ? compilePolicySet(JSON.parse(active.sources) as PolicySources) : undefined;
      const diff: PolicySetDiff = previous
        ? diffPolicySets(previous, set)
        : { added: set.policies.map((p) => p.id).sort(), removed: [], changed: [], schemaChanged: true };
      const now = Date.now();
      await trx.updateTable('policy_deployments').set({ active: 0 }).where('active', '=', 1).execute();
      await trx
        .insertInto('policy_deployments')
        .values({ version: set.version, deployed_at: now, deployed_by: actor, sources: JSON.stringify(set.sources), diff: JSON.stringify(diff), active: 1 })
        .onConflict((oc) => oc.column('version').doUpdateSet({ active: 1, deployed_at: now, deployed_by: actor, diff: JSON.stringify(diff) }))
        .execute();
      await this.ledger.append(trx, [
        { kind: 'policy.deployed', actor, payload: { version: set.version, previous: active?.version ?? null, diff, policies: set.policies.length, tenants: set.tenants } },
      ]);
      return { version: set.version, deployedAt: now, deployedBy: actor, diff, active: true };
    });
    await this.ledger.afterCommit();
    if (!deployment) {
      const row = await this.store.db.selectFrom('policy_deployments').selectAll().where('version', '=', set.version).executeTakeFirstOrThrow();
      return { version: row.version, deployedAt: row.deployed_at, deployedBy: row.deployed_by, diff: JSON.parse(row.diff) as PolicySetDiff, active: true };
    }
    return deployment;
  }

  async history(): Promise<Deployment[]> {
    const rows = await this.store.db.selectFrom('policy_deployments').selectAll().orderBy('deployed_at', 'desc').execute();
    return rows.map((r) => ({ version: r.version, deployedAt: r.deployed_at, deployedBy: r.deployed_by, diff: JSON.parse(r.diff) as PolicySetDiff, active: r.active === 1 }));
  }

  close(): void {
    this.engine?.close();
  }
}
