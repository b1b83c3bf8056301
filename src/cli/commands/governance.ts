import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import { exportEvidence, type ActionView, type Principal } from '../../kernel/index.ts';
import { CliUsageError, parseInput, printJson, withApp } from '../with-app.ts';
import { Worker } from '../../jobs/index.ts';
import { jobHandlers } from '../../app/job-handlers.ts';

/**
 * Governance from the command line: proposals, approvals, rollback, cases, incidents
 * and evidence. The actor is `--as`; the kernel enforces separation of duties whoever
 * claims to be acting, and records every step.
 */
export function register(program: Command): void {
  const action = program.command('action').description('proposed actions: propose, approve, reject, show');

  action
    .command('propose')
    .description('propose an action from a JSON file; prints the decision')
    .requiredOption('--file <file>', 'the proposal: {principal, type, target, params, caseId?, tenant?, context?}')
    .action((options: { file: string }) =>
      withApp(async (app) => {
        const proposal = parseInput(proposalSchema, readJson(options.file), options.file);
        const view = await app.kernel.actions.propose({ ...proposal, tenant: proposal.tenant ?? app.config.tenants.default } as Parameters<typeof app.kernel.actions.propose>[0]);
        printAction(view);
      }),
    );

  action
    .command('approve <actionId>')
    .description('approve an action awaiting approval; --hash must be the action hash you reviewed')
    .requiredOption('--hash <hash>', 'the action hash shown by writ action show')
    .option('--as <actor>', 'who approves (default: user:<login name>)')
    .option('--reason <text>', 'why')
    .action((actionId: string, options: { hash: string; as?: string; reason?: string }) =>
      withApp(async (app) => printAction(await app.kernel.actions.approve(actionId, actor(options.as), options.hash, options.reason))),
    );

  action
    .command('reject <actionId>')
    .description('reject an action awaiting approval')
    .requiredOption('--reason <text>', 'why (required)')
    .option('--as <actor>', 'who rejects (default: user:<login name>)')
    .action((actionId: string, options: { reason: string; as?: string }) =>
      withApp(async (app) => printAction(await app.kernel.actions.reject(actionId, actor(options.as), options.reason))),
    );

  action
    .command('show <actionId>')
    .description('show an action, its decision and its status as JSON')
    .action((actionId: string) => withApp(async (app) => printJson(await app.kernel.actions.get(actionId))));

  program
    .command('rollback <actionId>')
    .description('propose the undo of an executed action (itself a governed action)')
    .requiredOption('--reason <text>', 'why it is being undone')
    .option('--as <actor>', 'who asks (default: user:<login name>)')
    .action((actionId: string, options: { reason: string; as?: string }) =>
      withApp(async (app) => printAction(await app.kernel.actions.rollback(actionId, userPrincipal(actor(options.as)), options.reason))),
    );

  const kase = program.command('case').description('cases: open, show, close (with evidence or an override)');
  kase
    .command('open')
    .description('open a case')
    .requiredOption('--title <title>', 'what it is about')
    .option('--type <type>', 'phishing | identity | host | general | post_incident_review', 'general')
    .option('--severity <severity>', 'low | medium | high | critical', 'medium')
    .option('--queue <queue>', 'analyst queue')
    .option('--tenant <tenant>', 'tenant (default: WRIT_TENANT)')
    .option('--as <actor>', 'who opens it')
    .action((options: { title: string; type: string; severity: string; queue?: string; tenant?: string; as?: string }) =>
      withApp(async (app) => {
        const severity = z.enum(['low', 'medium', 'high', 'critical']).safeParse(options.severity);
        if (!severity.success) throw new CliUsageError(`--severity must be low, medium, high or critical`);
        const view = await app.kernel.cases.open({ type: options.type, title: options.title, tenant: options.tenant ?? app.config.tenants.default, severity: severity.data, openedBy: actor(options.as), ...(options.queue ? { queue: options.queue } : {}) });
        process.stdout.write(`${view.id}\n`);
      }),
    );
  kase
    .command('show <caseId>')
    .description('show a case with its actions and closure criteria as JSON')
    .action((caseId: string) =>
      withApp(async (app) => printJson({ case: await app.kernel.cases.get(caseId), actions: await app.kernel.actions.forCase(caseId), criteria: await app.kernel.cases.evaluate(caseId) })),
    );
  kase
    .command('close <caseId>')
    .description('close a case once its criteria are verified by read-back; --override closes without evidence, recorded as such')
    .option('--override <justification>', 'close although criteria are unmet (counted as an override)')
    .option('--as <actor>', 'who closes it')
    .action((caseId: string, options: { override?: string; as?: string }) =>
      withApp(async (app) => {
        const view = await app.kernel.cases.close(caseId, actor(options.as), options.override === undefined ? {} : { override: options.override });
        process.stdout.write(`closed ${view.id} (${view.closeMode})\n`);
      }),
    );

  const incident = program.command('incident').description('major-incident mode: declare, end, status');
  incident
    .command('declare')
    .description('declare a major incident: broader authority until it expires or is ended')
    .requiredOption('--justification <text>', 'why')
    .requiredOption('--scope <summary>', 'what it covers')
    .requiredOption('--for <minutes>', 'how long (capped by WRIT_INCIDENT_MAX_MS)')
    .option('--elevate <user=role...>', 'temporary roles for responders, ended with the incident')
    .option('--tenant <tenant>', 'tenant (default: WRIT_TENANT)')
    .option('--as <actor>', 'the incident commander')
    .action((options: { justification: string; scope: string; for: string; elevate?: string[]; tenant?: string; as?: string }) =>
      withApp(async (app) => {
        const minutes = Number(options.for);
        if (!Number.isFinite(minutes) || minutes <= 0) throw new CliUsageError('--for must be a positive number of minutes');
        const elevatedAccess = (options.elevate ?? []).map((pair) => {
          const [user, role] = pair.split('=');
          if (!user || !role) throw new CliUsageError(`--elevate takes user=role, got "${pair}"`);
          return { user, role };
        });
        const declared = await app.kernel.incidents.declare({
          tenant: options.tenant ?? app.config.tenants.default,
          commander: actor(options.as),
          justification: options.justification,
          scope: { summary: options.scope, elevatedAccess },
          durationMs: Math.round(minutes * 60_000),
        });
        printJson(declared);
      }),
    );
  incident
    .command('end <incidentId>')
    .description('end an incident now: grants and elevated access are revoked, a review case opens')
    .option('--as <actor>', 'who ends it')
    .action((incidentId: string, options: { as?: string }) => withApp(async (app) => printJson(await app.kernel.incidents.end(incidentId, actor(options.as), 'closed'))));
  incident
    .command('status')
    .description('the active incident, if any')
    .option('--tenant <tenant>', 'tenant (default: WRIT_TENANT)')
    .action((options: { tenant?: string }) =>
      withApp(async (app) => {
        const active = await app.kernel.incidents.active(options.tenant ?? app.config.tenants.default);
        if (active) printJson(active);
        else process.stdout.write('no active major incident\n');
      }),
    );

  program
    .command('work')
    .description('run queued work (approved actions, expiries) until none is due, then exit; writ serve does this continuously')
    .action(() =>
      withApp(async (app) => {
        const worker = new Worker(app.jobs, jobHandlers(app), { concurrency: 1, pollMs: 50, logger: app.logger, redact: (t) => app.redactor.redactText(t) });
        const ran = await worker.runUntilIdle();
        process.stdout.write(`ran ${ran} jobs\n`);
      }),
    );

  const evidence = program.command('evidence').description('evidence bundles for auditors');
  evidence
    .command('export <caseId>')
    .description("write a case's ledger entries with inclusion proofs, the signed checkpoint and the artefacts")
    .requiredOption('--out <file>', 'file to write (must not exist)')
    .action((caseId: string, options: { out: string }) =>
      withApp(async (app) => {
        if (existsSync(options.out)) throw new CliUsageError(`${options.out} already exists; choose a new file`);
        const bundle = await exportEvidence(app.store, app.ledger, app.kernel.cases, app.kernel.actions, caseId);
        writeFileSync(options.out, `${JSON.stringify(bundle, null, 2)}\n`, { flag: 'wx' });
        process.stdout.write(`wrote ${bundle.entries.length} entries with proofs to ${options.out}\n`);
      }),
    );
}

const principalSchema = z.strictObject({
  type: z.enum(['workflow', 'advisor', 'user', 'agent']),
  id: z.string().min(1).max(512),
  owner: z.string().min(1).max(512).optional(),
  actions: z.array(z.string()).optional(),
});

const proposalSchema = z.strictObject({
  principal: principalSchema,
  origin: z.enum(['rule', 'ai', 'human']).optional(),
  type: z.string().min(1),
  target: z.strictObject({ type: z.enum(['message', 'campaign', 'identity', 'host', 'case', 'tenant']), id: z.string().min(1) }),
  params: z.record(z.string(), z.unknown()),
  caseId: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  context: z
    .strictObject({
      confidence: z.number().min(0).max(1).optional(),
      uncertainty: z.number().min(0).max(1).optional(),
      dependents: z.number().int().min(0).optional(),
      identity_class: z.enum(['customer_facing_production', 'internal_batch', 'ci_cd', 'partner_integration', 'break_glass', 'disaster_recovery']).optional(),
      severity: z.enum(['low', 'medium', 'high', 'critical']).optional(),
    })
    .optional(),
});

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WritError('WRIT_INPUT_INVALID', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new WritError('WRIT_INPUT_INVALID', `${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function actor(as: string | undefined): string {
  return as ?? `user:${userInfo().username}`;
}

function userPrincipal(key: string): Principal {
  const [type, ...rest] = key.split(':');
  if (type !== 'user' || rest.length === 0) throw new CliUsageError(`--as must name a user as user:<name>, got "${key}"`);
  return { type: 'user', id: rest.join(':') };
}

function printAction(view: ActionView): void {
  printJson({
    id: view.id,
    type: view.type,
    status: view.status,
    decision: view.decision,
    policies: view.policies,
    explanation: view.explanation,
    action_hash: view.actionHash,
    approvals_required: view.approvalsRequired,
  });
}
