/**
 * Writ playbooks as OASIS CACAO Security Playbooks 2.0 (cs01) JSON, and a structural
 * validator for CACAO documents. Rules become a chain of if-condition steps on the verdict
 * variables (tried in order, the first that holds runs: an else-if chain); each step
 * becomes an action step whose http-api command is the proposal Writ's API takes
 * (`POST /api/v1/actions`), naming the catalogue action and its parameters. The agent is
 * the playbook's workflow principal; nothing it proposes runs without the policy engine.
 * Ids are deterministic, so one playbook version always exports the same document.
 */
import { createHash } from 'node:crypto';
import { getActionType } from '../actions/index.ts';
import { canonicalize } from '../ledger/index.ts';
import { IDENTIFIER } from './cacao-validate.ts';
import { stepAction, stepParams, type Playbook, type PlaybookRule, type PlaybookStep } from './playbook.ts';

export { validateCacao, type CacaoValidation } from './cacao-validate.ts';

export interface CacaoVariable {
  type: string;
  description?: string;
  value?: string | null;
  constant?: boolean;
  external?: boolean;
}
export interface CacaoCommand {
  type: string;
  description?: string;
  playbook_activity?: string;
  command?: string;
  headers?: Record<string, string[]>;
  content?: string;
}
export interface CacaoStep {
  type: 'start' | 'end' | 'action' | 'if-condition' | 'while-condition' | 'switch-condition' | 'parallel' | 'playbook-action';
  name?: string;
  description?: string;
  owner?: string;
  on_completion?: string;
  on_success?: string;
  on_failure?: string;
  condition?: string;
  on_true?: string;
  on_false?: string;
  commands?: CacaoCommand[];
  agent?: string;
  targets?: string[];
  in_args?: string[];
  out_args?: string[];
  step_variables?: Record<string, CacaoVariable>;
  [extension: string]: unknown;
}
export interface CacaoAgentTarget {
  type: string;
  name: string;
  description?: string;
  category?: string[];
}
export interface CacaoPlaybook {
  type: 'playbook';
  spec_version: 'cacao-2.0';
  id: string;
  name: string;
  description: string;
  playbook_types: string[];
  playbook_activities: string[];
  created_by: string;
  created: string;
  modified: string;
  revoked: boolean;
  labels: string[];
  playbook_variables: Record<string, CacaoVariable>;
  workflow_start: string;
  workflow: Record<string, CacaoStep>;
  agent_definitions: Record<string, CacaoAgentTarget>;
  target_definitions: Record<string, CacaoAgentTarget>;
}

export interface ToCacaoOptions {
  /** `identity--<uuid>`, or any name (derived into one). Default: the playbook's owner. */
  createdBy?: string;
  /** `created` and `modified`; default now. Give it for a byte-identical export. */
  now?: Date;
}

/** Writ's own UUIDv5 namespace (the CACAO namespace is reserved for name+playbook_types ids). */
export const WRIT_CACAO_NAMESPACE = 'd3cb3e99-0682-4c32-8422-676263c66839';

const GOVERNED =
  "Proposed to Writ's governance kernel as the playbook's workflow identity: the policy in force decides it (auto, approve, dual, suggest or deny) before anything runs, and the executor acts only under a single-use grant scoped to this action and target.";

/** Runtime facts the runner binds, as CACAO variables (all external except what steps set). */
const VARIABLES: Record<string, CacaoVariable> = {
  __verdict__: { type: 'string', description: 'Triage verdict of the report: safe, malicious or uncertain.', external: true },
  __simulation__: { type: 'bool', description: "'true' when the report is one of the organisation's own phishing-simulation mails.", external: true },
  __confidence__: { type: 'float', description: 'Calibrated confidence of the verdict, 0 to 1.', external: true },
  __report_id__: { type: 'string', description: 'The Writ report.', external: true },
  __subject__: { type: 'string', description: 'Subject of the reported message (untrusted, flattened to one line).', external: true },
  __campaign_id__: { type: 'string', description: 'The campaign the report belongs to.', external: true },
  __mailboxes__: { type: 'string', description: 'JSON list of the mailboxes where the retro-hunt found campaign messages outside quarantine.', external: true },
  __reporters__: { type: 'string', description: 'JSON list of the addresses to notify; a shared or delegated mailbox expands to every owner.', external: true },
  __severity__: { type: 'string', description: 'low, medium, high or critical, from the thresholds below; part of the policy context.', external: true },
  __case_id__: { type: 'string', description: 'The case opened for the report, set by the open-case step.', value: null },
};

/** What each catalogue capability touches, as a CACAO target. */
function targetFor(capability: string): CacaoAgentTarget {
  if (capability === 'mail.notify') return { type: 'group', name: 'reporters', description: 'The people who reported the message (every owner of a shared or delegated mailbox).' };
  if (capability.startsWith('mail.')) return { type: 'security-category', name: 'mail system', description: 'Every mailbox of the tenant, through the configured mail connector.', category: ['content-gateway'] };
  if (capability.startsWith('case.') || capability.startsWith('evidence.')) return { type: 'security-category', name: 'Writ cases', description: "Writ's own case records.", category: ['ticketing'] };
  if (capability.startsWith('identity.')) return { type: 'security-category', name: 'identity systems', category: ['aaa'] };
  return { type: 'security-category', name: capability, category: ['endpoint'] };
}

const ACTIVITY: Record<string, string> = {
  purge_campaign: 'eliminate-risk',
  quarantine_message: 'eliminate-risk',
  restore_message: 'restore-data',
  restore_campaign: 'restore-data',
  block_indicator: 'restrict-access',
  notify_reporter: 'deliver-content',
  notify_external: 'deliver-content',
  open_case: 'analyze-collected-data',
  route_case: 'analyze-collected-data',
};
const PLAYBOOK_TYPE: Record<string, string> = { 'eliminate-risk': 'remediation', 'restore-data': 'remediation', 'restrict-access': 'mitigation', 'deliver-content': 'notification', 'analyze-collected-data': 'investigation' };

interface Proposal {
  action: string;
  name: string;
  target: { type: string; id: string };
  params: Record<string, unknown>;
  /** Whether the proposal belongs to the rule's case. */
  caseId?: boolean;
  stepVariables?: Record<string, CacaoVariable>;
  outArgs?: string[];
  note?: string;
}

/** How the runner binds each step to a proposal: the playbook's own parameters, the rest from variables. */
function proposalFor(step: PlaybookStep, rule: PlaybookRule): Proposal {
  const action = stepAction(step);
  const params = stepParams(step);
  const caseTarget = { type: 'case', id: v('__case_id__') };
  const caseId = rule.case !== undefined;
  switch (action) {
    case 'purge_campaign':
      return { action, caseId, name: `Purge the campaign (${String(params.mode)})`, target: { type: 'campaign', id: v('__campaign_id__') }, params: { campaignId: v('__campaign_id__'), mailboxes: v('__mailboxes__'), mode: params.mode }, note: 'Skipped when the retro-hunt found nothing.' };
    case 'notify_reporter':
      return { action, caseId, name: `Notify the reporters (${String(params.template)})`, target: caseId ? caseTarget : { type: 'message', id: v('__report_id__') }, params: { recipients: v('__reporters__'), template: params.template } };
    case 'route_case':
      return { action, caseId, name: `Route the case to ${String(params.queue)}`, target: caseTarget, params: { queue: params.queue } };
    default:
      return { action, caseId, name: action, target: { type: getActionType(action).target, id: v('__report_id__') }, params };
  }
}

function openCase(rule: PlaybookRule): Proposal | undefined {
  if (!rule.case) return undefined;
  const { type, queue, sla_minutes, title } = rule.case;
  return {
    action: 'open_case',
    name: `Open a ${type} case in ${queue}`,
    target: { type: 'case', id: v('__case_id__') },
    params: { title: title.replaceAll('{subject}', v('__subject__')), caseType: type, severity: v('__severity__') },
    stepVariables: {
      __queue__: { type: 'string', description: 'The queue the case is routed to.', value: queue, constant: true },
      ...(sla_minutes === undefined ? {} : { __sla_minutes__: { type: 'integer', description: 'Minutes an analyst has to act on the case.', value: String(sla_minutes), constant: true } }),
    },
    outArgs: ['__case_id__'],
  };
}

function v(name: string): string {
  return `${name}:value`;
}

/** Variables whose value is JSON (a number, a list), substituted without quotes. */
const RAW_JSON = new Set(['__confidence__', '__mailboxes__', '__reporters__']);

/**
 * The body of `POST /api/v1/actions`, canonical JSON (RFC 8785) once the variables are
 * substituted: string variables sit inside quotes, JSON-valued ones (a list, a number) bare.
 */
function proposalBody(p: Proposal): string {
  const body = {
    type: p.action,
    target: p.target,
    params: p.params,
    ...(p.caseId ? { caseId: v('__case_id__') } : {}),
    origin: 'rule',
    context: { confidence: v('__confidence__'), severity: v('__severity__') },
  };
  return canonicalize(body).replace(/"(__[a-z_]+__):value"/g, (whole, name: string) => (RAW_JSON.has(name) ? `${name}:value` : whole));
}

function conditionOf(rule: PlaybookRule): string {
  const parts = [`__verdict__:value = '${rule.when.verdict}'`];
  if (rule.when.simulation !== undefined) parts.push(`__simulation__:value = '${rule.when.simulation}'`);
  if (rule.when.confidence_at_least !== undefined) parts.push(`__confidence__:value >= ${rule.when.confidence_at_least}`);
  return parts.join(' AND ');
}

export function toCacao(playbook: Playbook, options: ToCacaoOptions = {}): CacaoPlaybook {
  const def = playbook.definition;
  const playbookUuid = uuidV5(WRIT_CACAO_NAMESPACE, `writ-playbook:${def.id}`);
  // Steps, agents and targets: UUIDv4-shaped (as the spec requires for steps), drawn from the playbook and its digest.
  const id = (type: string, key: string) => `${type}--${uuidV4From(`${playbookUuid}\u0000${playbook.digest}\u0000${key}`)}`;
  const identity = (who: string) => (IDENTIFIER.test(who) && who.startsWith('identity--') ? who : `identity--${uuidV5(WRIT_CACAO_NAMESPACE, `writ-identity:${who}`)}`);
  const owner = identity(def.owner);
  const now = (options.now ?? new Date()).toISOString();

  const used = new Set<string>(['__verdict__']);
  const workflow: Record<string, CacaoStep> = {};
  const targets: Record<string, CacaoAgentTarget> = {};
  const activities = new Set<string>();
  const agentId = id('security-category', 'agent');
  const agent: CacaoAgentTarget = {
    type: 'security-category',
    name: `writ:workflow:${def.principal}`,
    description: `Writ, proposing as the playbook's workflow identity "${def.principal}" (owner ${def.owner}); it may propose only: ${def.actions.join(', ')}.`,
    category: ['orchestrator'],
  };

  const actionStep = (p: Proposal): CacaoStep => {
    const type = getActionType(p.action);
    const target = targetFor(type.capability);
    const targetId = id(target.type, `target:${target.name}`);
    targets[targetId] = target;
    const content = proposalBody(p);
    const args = [...new Set([...content.matchAll(/__[a-z_]+__(?=:value)/g)].map((m) => m[0]))];
    for (const a of [...args, ...(p.outArgs ?? [])]) if (a in VARIABLES) used.add(a);
    const inArgs = args.filter((a) => !p.outArgs?.includes(a));
    const activity = ACTIVITY[p.action];
    if (activity) activities.add(activity);
    return {
      type: 'action',
      name: p.name,
      description: `${type.description} ${GOVERNED}${p.note ? ` ${p.note}` : ''}`,
      owner,
      commands: [
        {
          type: 'http-api',
          description: `Propose the Writ catalogue action ${p.action}.`,
          ...(activity ? { playbook_activity: activity } : {}),
          command: 'POST /api/v1/actions HTTP/1.1',
          headers: { 'Content-Type': ['application/json'] },
          content,
        },
      ],
      agent: agentId,
      targets: [targetId],
      ...(inArgs.length > 0 ? { in_args: inArgs } : {}),
      ...(p.outArgs ? { out_args: p.outArgs } : {}),
      ...(p.stepVariables && Object.keys(p.stepVariables).length > 0 ? { step_variables: p.stepVariables } : {}),
    };
  };

  const startId = id('start', 'start');
  const endId = id('end', 'end');
  const ifIds = def.rules.map((_r, i) => id('if-condition', `rule:${i}`));
  const elseEnds = def.rules.map((_r, i) => id('end', `rule:${i}:else`));
  workflow[startId] = { type: 'start', name: 'Report triaged', on_completion: ifIds[0]! };
  def.rules.forEach((rule, i) => {
    const proposals = [openCase(rule), ...rule.steps.map((s) => proposalFor(s, rule))].filter((p): p is Proposal => p !== undefined);
    const chain = proposals.map((p, k) => ({ key: id('action', `rule:${i}:step:${k}`), step: actionStep(p) }));
    const branchEnd = id('end', `rule:${i}:then`);
    if (rule.when.simulation !== undefined) used.add('__simulation__');
    if (rule.when.confidence_at_least !== undefined) used.add('__confidence__');
    const last = i === def.rules.length - 1;
    workflow[ifIds[i]!] = {
      type: 'if-condition',
      name: `Rule ${i + 1}: ${rule.name}`,
      description: `${i === 0 ? 'Rules are tried in order' : 'Tried when no earlier rule held'}; the first that holds runs.${rule.close_when_verified ? ' The case closes only once reading every mailbox back shows no campaign message left.' : ''}`,
      condition: conditionOf(rule),
      on_true: chain[0]?.key ?? branchEnd,
      ...(last ? {} : { on_false: ifIds[i + 1]! }),
      on_completion: i === 0 ? endId : elseEnds[i - 1]!,
    };
    chain.forEach(({ key, step }, k) => {
      workflow[key] = { ...step, on_completion: chain[k + 1]?.key ?? branchEnd };
    });
    workflow[branchEnd] = { type: 'end', name: `${rule.name}: done` };
    if (!last) workflow[elseEnds[i]!] = { type: 'end', name: `No rule before rule ${i + 2} held` };
  });
  workflow[endId] = { type: 'end', name: 'Playbook done' };

  const { critical_when: critical, high_when: high } = def.severity;
  const describeThreshold = (t: typeof critical) =>
    [t.confidence_at_least !== undefined && `confidence >= ${t.confidence_at_least}`, t.mailboxes_at_least !== undefined && `mailboxes >= ${t.mailboxes_at_least}`, t.reporters_at_least !== undefined && `reporters >= ${t.reporters_at_least}`].filter(Boolean).join(' and ') || 'always';
  const variables: Record<string, CacaoVariable> = {};
  for (const [name, variable] of Object.entries(VARIABLES)) {
    if (!used.has(name)) continue;
    variables[name] = name === '__severity__' ? { ...variable, description: `${variable.description} For a malicious verdict: critical when ${describeThreshold(critical)}, high when ${describeThreshold(high)}, otherwise medium; low for a safe verdict, medium for an uncertain one.` } : variable;
  }
  const activityList = [...activities].sort();
  return {
    type: 'playbook',
    spec_version: 'cacao-2.0',
    id: `playbook--${playbookUuid}`,
    name: def.name,
    description: `Writ playbook ${def.id}, version ${def.version} (sha256:${playbook.digest}). Runs as the workflow principal "${def.principal}", owned by ${def.owner}, and may propose only: ${def.actions.join(', ')}. Every action step is a proposal that passes Writ's policy engine before anything runs.`,
    playbook_types: [...new Set(activityList.map((a) => PLAYBOOK_TYPE[a]).filter((t): t is string => t !== undefined))].sort(),
    playbook_activities: activityList,
    created_by: options.createdBy ? identity(options.createdBy) : owner,
    created: now,
    modified: now,
    revoked: false,
    labels: ['writ', `writ-playbook:${def.id}`, `writ-version:${def.version}`, `writ-digest:sha256:${playbook.digest}`],
    playbook_variables: variables,
    workflow_start: startId,
    workflow,
    agent_definitions: { [agentId]: agent },
    target_definitions: targets,
  };
}

// ---- deterministic UUIDs -------------------------------------------------------------

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new TypeError(`not a UUID: ${namespace}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  return format(bytes, 0x50);
}

/** A UUID with the version-4 layout whose bits come from SHA-256 of `seed`: stable, and as unguessable as the seed. */
export function uuidV4From(seed: string): string {
  return format(createHash('sha256').update(seed, 'utf8').digest().subarray(0, 16), 0x40);
}

function format(bytes: Buffer, version: number): string {
  const b = Buffer.from(bytes);
  b[6] = (b[6]! & 0x0f) | version;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
