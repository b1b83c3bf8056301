import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WritError } from '../errors/index.ts';
import { compilePolicySet, type CompiledPolicySet, type PolicySources } from './policy-set.ts';

/** The shipped defaults and schema, found from this file so the cwd does not matter. */
export const DEFAULT_POLICY_DIR = fileURLToPath(new URL('../../policies/default', import.meta.url));
export const DEFAULT_SCHEMA_FILE = fileURLToPath(new URL('../../policies/schema.cedarschema', import.meta.url));

export interface ReadPolicyOptions {
  /** Defaults to `schema.cedarschema` in the directory if present, else the shipped schema. */
  schemaFile?: string;
}

/**
 * Reads `DIR/*.cedar` (the base) and `DIR/tenants/<tenant>/*.cedar` (overlays added on top
 * of the base for that tenant). Other files and folders (fixtures, notes) are ignored.
 * @throws WritError WRIT_INPUT_INVALID when the directory or schema cannot be read
 */
export function readPolicySources(dir: string, options: ReadPolicyOptions = {}): PolicySources {
  if (!isDirectory(dir)) throw new WritError('WRIT_INPUT_INVALID', `policy directory not found: ${dir}`);
  const files: Record<string, string> = {};
  for (const name of cedarFiles(dir)) files[name] = read(join(dir, name));
  const tenantsDir = join(dir, 'tenants');
  if (isDirectory(tenantsDir)) {
    for (const tenant of readdirSync(tenantsDir).sort()) {
      const path = join(tenantsDir, tenant);
      if (!isDirectory(path)) {
        if (tenant.endsWith('.cedar')) files[`tenants/${tenant}`] = read(path); // refused by compile, with its reason
        continue;
      }
      for (const name of cedarFiles(path)) files[`tenants/${tenant}/${name}`] = read(join(path, name));
    }
  }
  const local = join(dir, 'schema.cedarschema');
  const schemaFile = options.schemaFile ?? (existsSync(local) ? local : DEFAULT_SCHEMA_FILE);
  return { schema: read(schemaFile), files };
}

/** Reads and compiles a policy directory. @throws WritError WRIT_INPUT_INVALID, WRIT_POLICY_INVALID */
export function loadPolicyDir(dir: string, options: ReadPolicyOptions = {}): CompiledPolicySet {
  return compilePolicySet(readPolicySources(dir, options));
}

function cedarFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cedar') && !isDirectory(join(dir, name)))
    .sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new WritError('WRIT_INPUT_INVALID', `cannot read ${path}: ${reason}`, { cause: error });
  }
}
