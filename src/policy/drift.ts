import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WritError } from '../errors/index.ts';
import type { PolicyEngine, PrincipalFacts } from './engine.ts';
import type { DecisionKind } from './tiers.ts';

export interface NamedRequest {
  name: string;
  request: unknown;
  principal?: PrincipalFacts;
}

export const BASE_SCOPE = '(base)';

export interface DriftRow {
  name: string;
  /** Scope (`(base)` or a tenant with an overlay) → decision for the same request. */
  decisions: Record<string, DecisionKind>;
  differs: boolean;
}

export interface DriftReport {
  version: string;
  scopes: string[];
  rows: DriftRow[];
}

/**
 * Decides every request once per scope: the base alone (every tenant without an overlay)
 * and each tenant's base + overlay. A row differs when the scopes disagree.
 * @throws WritError WRIT_INPUT_INVALID naming the request that is malformed
 */
export function policyDrift(engine: PolicyEngine, requests: readonly NamedRequest[]): DriftReport {
  const tenants = engine.policySet.tenants;
  const scopes = [BASE_SCOPE, ...tenants];
  const rows = requests.map(({ name, request, principal }) => {
    const decisions: Record<string, DecisionKind> = {};
    for (const scope of scopes) {
      try {
        const overlay = scope === BASE_SCOPE ? null : scope;
        decisions[scope] = engine.decideIn(overlay, request, principal === undefined ? {} : { principal }).decision;
      } catch (error) {
        if (error instanceof WritError) throw new WritError(error.code, `${name}: ${error.message}`, { cause: error });
        throw error;
      }
    }
    return { name, decisions, differs: new Set(Object.values(decisions)).size > 1 };
  });
  return { version: engine.version, scopes, rows };
}

/** Reads one JSON file. @throws WritError WRIT_INPUT_INVALID (missing file, not JSON) */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WritError('WRIT_INPUT_INVALID', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WritError('WRIT_INPUT_INVALID', `${path} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Requests from a file or a directory of `*.json` files. A file holds one decision request,
 * an array of them, or a fixture file (`{"cases": [{"name", "request", "principal_facts"?}]}`,
 * skipping cases that expect an error).
 */
export function readRequests(path: string): NamedRequest[] {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path).filter((n) => n.endsWith('.json')).sort().map((n) => join(path, n))
      : [path];
  } catch {
    throw new WritError('WRIT_INPUT_INVALID', `requests not found: ${path}`);
  }
  const out: NamedRequest[] = [];
  for (const file of files) {
    const name = basename(file);
    const value = readJsonFile(file);
    const cases = (value as { cases?: unknown } | null)?.cases;
    if (Array.isArray(cases)) {
      cases.forEach((c: { name?: unknown; request?: unknown; principal_facts?: PrincipalFacts; expect?: { error?: unknown } }, i) => {
        // A fixture that expects a refusal has no decision to compare.
        if (c?.expect?.error !== undefined) return;
        out.push({
          name: `${name}#${typeof c?.name === 'string' ? c.name : i + 1}`,
          request: c?.request,
          ...(c?.principal_facts === undefined ? {} : { principal: c.principal_facts }),
        });
      });
    } else if (Array.isArray(value)) {
      value.forEach((request, i) => out.push({ name: `${name}#${i + 1}`, request }));
    } else {
      out.push({ name, request: value });
    }
  }
  return out;
}
