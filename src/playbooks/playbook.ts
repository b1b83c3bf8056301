import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { getActionType, isActionName } from '../actions/index.ts';
import { WritError } from '../errors/index.ts';
import { canonicalize } from '../ledger/index.ts';

/** The shipped playbooks, found from this file so the working directory does not matter. */
export const DEFAULT_PLAYBOOK_DIR = fileURLToPath(new URL('../../playbooks', import.meta.url));

const TEMPLATES = ['received', 'malicious', 'safe', 'simulation', 'uncertain'] as const;
const unit = z.number().min(0).max(1);

const threshold = z.strictObject({
  confidence_at_least: unit.optional(),
  mailboxes_at_least: z.number().int().min(1).optional(),
  reporters_at_least: z.number().int().min(1).optional(),
});

/** A step names one catalogue action; the parameters a playbook may set are limited per action. */
const step = z.union([
  z.strictObject({ purge_campaign: z.strictObject({ mode: z.enum(['quarantine', 'delete']) }) }),
  z.strictObject({ notify_reporter: z.strictObject({ template: z.enum(TEMPLATES) }) }),
  z.strictObject({ route_case: z.strictObject({ queue: z.string().min(1).max(100) }) }),
]);

const rule = z.strictObject({
  name: z.string().min(1).max(200),
  when: z.strictObject({
    verdict: z.enum(['safe', 'malicious', 'uncertain']),
    simulation: z.boolean().optional(),
    confidence_at_least: unit.optional(),
  }),
  case: z
    .strictObject({
      type: z.enum(['phishing', 'general']),
      queue: z.string().min(1).max(100),
      sla_minutes: z.number().int().min(1).max(60 * 24 * 30).optional(),
      title: z.string().min(1).max(200),
    })
    .optional(),
  steps: z.array(step).min(1).max(20),
  close_when_verified: z.boolean().optional(),
});

export const playbookSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case words joined by "-"'),
  version: z.number().int().min(1),
  name: z.string().min(1).max(200),
  principal: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  owner: z.string().regex(/^user:.+$/, 'user:<name>'),
  actions: z.array(z.string()).min(1),
  severity: z.strictObject({ critical_when: threshold, high_when: threshold }),
  rules: z.array(rule).min(1).max(50),
});

export type PlaybookDefinition = z.infer<typeof playbookSchema>;
export type PlaybookRule = PlaybookDefinition['rules'][number];
export type PlaybookStep = PlaybookRule['steps'][number];

export interface Playbook {
  definition: PlaybookDefinition;
  /** SHA-256 of the canonical definition: what decisions and the ledger name. */
  digest: string;
  source: string;
}

/**
 * Validates a playbook against its schema and the action catalogue: every step's action
 * must exist and be declared in `actions`, so the policy's "declared actions only" guard and
 * the playbook agree. Errors name the field.
 */
export function parsePlaybook(text: string, source = 'playbook'): Playbook {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 50 });
  } catch (error) {
    throw new WritError('WRIT_INPUT_INVALID', `${source}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = playbookSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WritError('WRIT_INPUT_INVALID', `${source}: ${issue?.path.map(String).join('.') || 'playbook'}: ${issue?.message ?? 'invalid'}`);
  }
  const definition = parsed.data;
  for (const name of definition.actions) {
    if (!isActionName(name)) throw new WritError('WRIT_INPUT_INVALID', `${source}: actions: "${name}" is not in the action catalogue`);
  }
  definition.rules.forEach((r, i) => {
    for (const s of r.steps) {
      const action = stepAction(s);
      getActionType(action);
      if (!definition.actions.includes(action)) {
        throw new WritError('WRIT_INPUT_INVALID', `${source}: rules.${i}.steps: ${action} is not declared in actions`);
      }
    }
    if (r.case && !definition.actions.includes('open_case')) {
      throw new WritError('WRIT_INPUT_INVALID', `${source}: rules.${i}.case: opening a case needs open_case in actions`);
    }
  });
  const digest = createHash('sha256').update(canonicalize(definition)).digest('hex');
  return { definition, digest, source };
}

export function stepAction(s: PlaybookStep): string {
  return Object.keys(s)[0]!;
}

export function stepParams(s: PlaybookStep): Record<string, unknown> {
  return Object.values(s)[0] as Record<string, unknown>;
}

export function loadPlaybookDir(dir = DEFAULT_PLAYBOOK_DIR): Playbook[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch {
    throw new WritError('WRIT_INPUT_INVALID', `playbook directory not found: ${dir}`);
  }
  return names.map((name) => parsePlaybook(readFileSync(join(dir, name), 'utf8'), name));
}
