// Helpers for this folder's tests; not part of the public surface.
import { cpSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_POLICY_DIR, readPolicySources } from './policy-loader.ts';
import type { PolicySources } from './policy-set.ts';

export function defaultSources(): PolicySources {
  return readPolicySources(DEFAULT_POLICY_DIR);
}

/** The shipped sources plus (or with replaced) files. */
export function sourcesWith(files: Record<string, string>, base: PolicySources = defaultSources()): PolicySources {
  return { schema: base.schema, files: { ...base.files, ...files } };
}

/** A copy of the shipped policy directory (fixtures included) plus extra files, in a temp dir. */
export function tempPolicyDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'writ-policy-'));
  cpSync(DEFAULT_POLICY_DIR, dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

export interface RequestShape {
  principal?: { type: string; id: string };
  action?: string;
  resource?: { type: string; id: string };
  tenant?: string;
  context?: Record<string, unknown>;
}

/** A confident rule-driven quarantine request, with any part replaced. */
export function request(over: RequestShape = {}): Record<string, unknown> {
  return {
    principal: over.principal ?? { type: 'workflow', id: 'phishing-containment' },
    action: over.action ?? 'quarantine_message',
    resource: over.resource ?? { type: 'message', id: 'msg-1' },
    tenant: over.tenant ?? 'acme',
    context: over.context ?? { confidence: 0.95, uncertainty: 0.05, origin: 'rule', blast_radius: 1 },
  };
}
