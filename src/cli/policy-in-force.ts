import { existsSync } from 'node:fs';
import { loadConfig } from '../config/index.ts';
import { compilePolicySet, DEFAULT_POLICY_DIR, loadPolicyDir, type CompiledPolicySet, type PolicySources } from '../policy/index.ts';
import { openStore } from '../store/index.ts';

/**
 * The policy set in force: the active deployment in the database, or the shipped defaults
 * when there is no database yet. Reads only: explaining a decision never creates or
 * migrates a database.
 */
export async function policySetInForce(): Promise<CompiledPolicySet> {
  const config = loadConfig();
  const url = config.databaseUrl;
  if (url.startsWith('sqlite:') && !existsSync(url.slice('sqlite:'.length))) return loadPolicyDir(DEFAULT_POLICY_DIR);
  const store = await openStore({ url, migrate: false });
  try {
    const row = await store.db.selectFrom('policy_deployments').select('sources').where('active', '=', 1).executeTakeFirst();
    return row ? compilePolicySet(JSON.parse(row.sources) as PolicySources) : loadPolicyDir(DEFAULT_POLICY_DIR);
  } catch {
    // A database from before deployments existed has no table yet: the defaults are in force.
    return loadPolicyDir(DEFAULT_POLICY_DIR);
  } finally {
    await store.close();
  }
}
