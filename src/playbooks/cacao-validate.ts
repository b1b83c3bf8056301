/**
 * Structural validation of CACAO Security Playbooks 2.0 documents: the playbook's required
 * properties and the shape of its workflow graph. Not a JSON-schema validator: it checks
 * what a consumer needs to run the workflow, and names each problem.
 */
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}';
export const IDENTIFIER = new RegExp(`^[a-z][a-z0-9-]+[a-z0-9]--${UUID}$`);
/** RFC 3339 in UTC, to the millisecond exactly (CACAO's rule for created and modified). */
const TIMESTAMP_MS = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)\.\d{3}Z$/;
const VARIABLE_NAME = /^__[a-zA-Z][a-zA-Z0-9_-]{0,245}__$/;
const STEP_TYPES = new Set(['start', 'end', 'action', 'playbook-action', 'parallel', 'if-condition', 'while-condition', 'switch-condition']);
const REQUIRED = ['type', 'spec_version', 'id', 'name', 'created_by', 'created', 'modified', 'workflow_start', 'workflow'] as const;

export interface CacaoValidation {
  valid: boolean;
  /** One line per problem, each naming the property or step. */
  errors: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const prefixOf = (identifier: string) => identifier.slice(0, identifier.lastIndexOf('--'));

/** Every step a step can go to next. */
function nextSteps(step: Record<string, unknown>): Array<[string, unknown]> {
  const refs: Array<[string, unknown]> = [];
  for (const key of ['on_completion', 'on_success', 'on_failure', 'on_true', 'on_false'] as const) if (key in step) refs.push([key, step[key]]);
  if (Array.isArray(step.next_steps)) step.next_steps.forEach((s, i) => refs.push([`next_steps[${i}]`, s]));
  if (isObject(step.cases)) for (const [c, s] of Object.entries(step.cases)) refs.push([`cases.${c}`, s]);
  return refs;
}

/**
 * Checks a CACAO 2.0 playbook's required properties and its workflow graph: every step
 * reference points to a step that exists, there is exactly one start (the workflow_start),
 * every step is reachable from it, nothing loops, and every path ends at an end step.
 */
export function validateCacao(doc: unknown): CacaoValidation {
  const errors: string[] = [];
  if (!isObject(doc)) return { valid: false, errors: ['the document is not a JSON object'] };
  for (const key of REQUIRED) if (!(key in doc)) errors.push(`${key}: required`);
  if ('type' in doc && doc.type !== 'playbook') errors.push(`type: must be "playbook"`);
  if ('spec_version' in doc && doc.spec_version !== 'cacao-2.0') errors.push('spec_version: must be "cacao-2.0"');
  if ('id' in doc && !(typeof doc.id === 'string' && IDENTIFIER.test(doc.id) && doc.id.startsWith('playbook--'))) errors.push('id: must be playbook--<uuid>');
  if ('name' in doc && !(typeof doc.name === 'string' && doc.name.trim() !== '')) errors.push('name: must be a non-empty string');
  if ('created_by' in doc && !(typeof doc.created_by === 'string' && IDENTIFIER.test(doc.created_by) && doc.created_by.startsWith('identity--'))) errors.push('created_by: must be identity--<uuid>');
  for (const key of ['created', 'modified'] as const) {
    if (key in doc && !(typeof doc[key] === 'string' && TIMESTAMP_MS.test(doc[key]))) errors.push(`${key}: must be a UTC timestamp with milliseconds (yyyy-mm-ddThh:mm:ss.sssZ)`);
  }
  if (typeof doc.created === 'string' && typeof doc.modified === 'string' && TIMESTAMP_MS.test(doc.created) && TIMESTAMP_MS.test(doc.modified) && doc.modified < doc.created) errors.push('modified: earlier than created');
  if (doc.playbook_types !== undefined && !(Array.isArray(doc.playbook_activities) && doc.playbook_activities.length > 0)) errors.push('playbook_activities: required (at least one) when playbook_types is given');

  const variables = new Set<string>();
  if (doc.playbook_variables !== undefined) {
    if (!isObject(doc.playbook_variables)) errors.push('playbook_variables: must be an object');
    else for (const [name, variable] of Object.entries(doc.playbook_variables)) {
      if (!VARIABLE_NAME.test(name)) errors.push(`playbook_variables.${name}: names are __name__`);
      if (!isObject(variable) || typeof variable.type !== 'string') errors.push(`playbook_variables.${name}: needs a type`);
      variables.add(name);
    }
  }
  const definitions = (key: 'agent_definitions' | 'target_definitions'): Record<string, unknown> => {
    const value = doc[key];
    if (value === undefined) return {};
    if (!isObject(value)) {
      errors.push(`${key}: must be an object`);
      return {};
    }
    for (const [name, entry] of Object.entries(value)) {
      if (!IDENTIFIER.test(name)) errors.push(`${key}.${name}: not an identifier`);
      else if (!isObject(entry) || entry.type !== prefixOf(name) || typeof entry.name !== 'string' || entry.name === '') errors.push(`${key}.${name}: needs a name and the type its id names`);
    }
    return value;
  };
  const agents = definitions('agent_definitions');
  const targets = definitions('target_definitions');

  const uuids = new Map<string, string>();
  const seeUuid = (identifier: string) => {
    const uuid = identifier.slice(identifier.lastIndexOf('--') + 2).toLowerCase();
    const other = uuids.get(uuid);
    if (other !== undefined && other !== identifier) errors.push(`${identifier}: reuses the UUID of ${other}`);
    uuids.set(uuid, identifier);
  };
  for (const key of [doc.id, ...Object.keys(agents), ...Object.keys(targets)]) if (typeof key === 'string' && IDENTIFIER.test(key)) seeUuid(key);

  if (!isObject(doc.workflow) || Object.keys(doc.workflow).length === 0) {
    if ('workflow' in doc) errors.push('workflow: must be an object with steps');
    return { valid: errors.length === 0, errors };
  }
  const workflow = doc.workflow;
  const edges = new Map<string, string[]>();
  const starts: string[] = [];
  for (const [key, raw] of Object.entries(workflow)) {
    const at = `workflow.${key}`;
    if (!IDENTIFIER.test(key)) errors.push(`${at}: not an identifier`);
    else seeUuid(key);
    if (!isObject(raw) || typeof raw.type !== 'string' || !STEP_TYPES.has(raw.type)) {
      errors.push(`${at}: not a workflow step (type must be one of ${[...STEP_TYPES].join(', ')})`);
      edges.set(key, []);
      continue;
    }
    const step = raw;
    if (IDENTIFIER.test(key) && prefixOf(key) !== step.type) errors.push(`${at}: the id names ${prefixOf(key)} but the step is ${step.type}`);
    if (step.type === 'start') starts.push(key);
    const refs = nextSteps(step);
    for (const [prop, target] of refs) {
      if (typeof target !== 'string' || !(target in workflow)) errors.push(`${at}.${prop}: refers to ${JSON.stringify(target)}, which is not a step of the workflow`);
    }
    if (step.type === 'end' && refs.length > 0) errors.push(`${at}: an end step goes nowhere (found ${refs.map(([p]) => p).join(', ')})`);
    if ('on_completion' in step && ('on_success' in step || 'on_failure' in step)) errors.push(`${at}: on_completion excludes on_success and on_failure`);
    if (step.type === 'start' && ('on_success' in step || 'on_failure' in step)) errors.push(`${at}: a start step uses on_completion only`);
    if (step.type !== 'end' && !('on_completion' in step) && !('on_success' in step)) errors.push(`${at}: needs on_completion or on_success`);
    if (step.type === 'action') {
      if (!Array.isArray(step.commands) || step.commands.length === 0 || !step.commands.every((c) => isObject(c) && typeof c.type === 'string')) errors.push(`${at}.commands: at least one command, each with a type`);
      if (typeof step.agent !== 'string' || !(step.agent in agents)) errors.push(`${at}.agent: must name one of agent_definitions`);
      if (step.targets !== undefined && !(Array.isArray(step.targets) && step.targets.length > 0 && step.targets.every((t) => typeof t === 'string' && t in targets))) errors.push(`${at}.targets: each must name one of target_definitions`);
      const local = isObject(step.step_variables) ? Object.keys(step.step_variables) : [];
      for (const prop of ['in_args', 'out_args'] as const) {
        if (step[prop] === undefined) continue;
        if (!Array.isArray(step[prop])) errors.push(`${at}.${prop}: must be a list`);
        else for (const name of step[prop] as unknown[]) if (typeof name !== 'string' || (!variables.has(name) && !local.includes(name))) errors.push(`${at}.${prop}: ${String(name)} is not a declared variable`);
      }
    }
    if ((step.type === 'if-condition' || step.type === 'while-condition') && (typeof step.condition !== 'string' || step.condition.trim() === '' || !('on_true' in step))) errors.push(`${at}: a condition step needs condition and on_true`);
    edges.set(key, refs.map(([, t]) => t).filter((t): t is string => typeof t === 'string' && t in workflow));
  }
  if (starts.length !== 1) errors.push(`workflow: needs exactly one start step, found ${starts.length}`);
  if (typeof doc.workflow_start !== 'string' || !(doc.workflow_start in workflow)) errors.push('workflow_start: must name a step of the workflow');
  else if (!starts.includes(doc.workflow_start)) errors.push('workflow_start: must name the start step');

  if (typeof doc.workflow_start === 'string' && doc.workflow_start in workflow) errors.push(...checkGraph(doc.workflow_start, workflow, edges));
  return { valid: errors.length === 0, errors };
}

/** Reachability, loops and dead ends, by depth-first search from the start. */
function checkGraph(start: string, workflow: Record<string, unknown>, edges: Map<string, string[]>): string[] {
  const errors: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  let endReached = false;
  const visit = (key: string, path: string[]) => {
    const seen = state.get(key);
    if (seen === 'open') {
      errors.push(`workflow: loops back to ${key} (${[...path.slice(path.indexOf(key)), key].join(' -> ')})`);
      return;
    }
    if (seen === 'done') return;
    state.set(key, 'open');
    const step = workflow[key] as { type?: unknown };
    const next = edges.get(key) ?? [];
    if (step.type === 'end') endReached = true;
    else if (next.length === 0) errors.push(`workflow.${key}: a dead end (no next step and not an end step)`);
    for (const n of next) visit(n, [...path, key]);
    state.set(key, 'done');
  };
  visit(start, []);
  if (!endReached) errors.push('workflow: no end step is reachable from the start');
  for (const key of Object.keys(workflow)) if (!state.has(key)) errors.push(`workflow.${key}: not reachable from workflow_start`);
  return errors;
}
