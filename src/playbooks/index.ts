/** Playbooks as code: YAML mapped from a verdict to proposals, each decided by policy. */
export { parsePlaybook, loadPlaybookDir, stepAction, stepParams, playbookSchema, DEFAULT_PLAYBOOK_DIR, type Playbook, type PlaybookDefinition, type PlaybookRule, type PlaybookStep } from './playbook.ts';
export { PlaybookRunner, CLOSE_JOB, notificationFacts, type RunOutcome, type RunnerOptions } from './runner.ts';
