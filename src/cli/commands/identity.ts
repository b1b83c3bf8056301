import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { WritError } from '../../errors/index.ts';
import { Worker } from '../../jobs/index.ts';
import { jobHandlers } from '../../app/job-handlers.ts';
import type { App } from '../../app/index.ts';
import { FINDING_FORMATS, identityJobHandlers, identityResponseFor, isFindingFormat, type IdentityResponse } from '../../identity/index.ts';
import { CliUsageError, printJson, withApp } from '../with-app.ts';

/**
 * Non-human identity response from the command line: the inventory (import, list, show,
 * remove, fingerprint), authentication events, findings intake, and plan gates.
 */
export function register(program: Command): void {
  const identity = program.command('identity').description('non-human identities: inventory, auth events, response plans');

  identity
    .command('import <file>')
    .description('import identities from YAML (.yaml/.yml) or CSV (.csv); secrets never, only fingerprints (see writ identity fingerprint)')
    .option('--tenant <tenant>', 'tenant (default: WRIT_TENANT)')
    .option('--as <actor>', 'who imports (default: user:<login name>)')
    .action((file: string, options: { tenant?: string; as?: string }) =>
      withIdentity(async (app, response) => {
        const report = await response.identities.importText(readText(file), file, { tenant: options.tenant ?? app.config.tenants.default, actor: actor(options.as) });
        process.stdout.write(`imported ${file}: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged\n`);
      }),
    );

  identity
    .command('list')
    .description('the inventory, one identity a line (--json for everything)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--removed', 'include identities removed from the inventory')
    .option('--json', 'print JSON')
    .action((options: { tenant?: string; removed?: boolean; json?: boolean }) =>
      withIdentity(async (_app, response) => {
        const records = await response.identities.list({ ...(options.tenant ? { tenant: options.tenant } : {}), includeRemoved: options.removed === true });
        if (options.json) return printJson(records);
        for (const r of records) {
          const i = r.identity;
          process.stdout.write(`${i.id}\t${i.kind}\t${i.class}\t${i.environment}\t${i.system.connector}:${i.system.target}\towner=${i.owner.team}\tdependents=${i.dependents.length}${r.deletedAt === null ? '' : '\tREMOVED'}\n`);
        }
      }),
    );

  identity
    .command('show <id>')
    .description('one identity with its dependency chain, blast radius, recent authentications and response plans, as JSON')
    .action((id: string) =>
      withIdentity(async (_app, response) => {
        const description = await response.identities.describe(id);
        const plans = await response.records.plansFor({ identityId: id });
        printJson({ ...description, plans: plans.map((p) => ({ id: p.id, case: p.caseId, strategy: p.strategy, status: p.status, note: p.note })) });
      }),
    );

  identity
    .command('remove <id>')
    .description('remove an identity from the inventory (kept as removed, so findings naming it are told so)')
    .requiredOption('--reason <text>', 'why')
    .option('--as <actor>', 'who removes it')
    .action((id: string, options: { reason: string; as?: string }) =>
      withIdentity(async (_app, response) => {
        await response.identities.remove(id, { actor: actor(options.as), reason: options.reason });
        process.stdout.write(`removed ${id}\n`);
      }),
    );

  identity
    .command('fingerprint')
    .description("print the keyed fingerprint (fp:…) of a secret read from stdin, for an inventory's secretFingerprints")
    .action(() =>
      withApp(async (app) => {
        const secret = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
        if (secret === '') throw new CliUsageError('no secret on stdin');
        process.stdout.write(`${app.fingerprinter.of(secret)}\n`);
      }),
    );

  identity
    .command('auth-events <file>')
    .description('ingest authentication events (a JSON array or JSON lines); unusual sources and impossible travel become findings')
    .option('--tenant <tenant>', 'tenant (default: WRIT_TENANT)')
    .option('--no-detect', 'store only, do not look for anomalies')
    .action((file: string, options: { tenant?: string; detect: boolean }) =>
      withIdentity(async (_app, response) => {
        const events = jsonItems(readText(file), file);
        const result = await response.ingestAuthEvents(events, { ...(options.tenant ? { tenant: options.tenant } : {}), detect: options.detect });
        printJson(result);
      }),
    );

  identity
    .command('plan <planId>')
    .description('a response plan with its steps, as JSON (--advance looks at it again now)')
    .option('--advance', 'evaluate gates and deadlines now')
    .action((planId: string, options: { advance?: boolean }) =>
      withIdentity(async (_app, response) => {
        if (options.advance) await response.advance(planId);
        printJson(await response.plan(planId));
      }),
    );

  identity
    .command('attest <planId>')
    .description("vouch for a gate's subject: a dependent moved to the new secret, or the owner rotated")
    .requiredOption('--gate <step>', 'the gate step (s3) or check (dependents_updated, dependents_healthy, owner_rotated)')
    .requiredOption('--subject <subject>', 'the dependent (job:nightly-etl) or, for owner_rotated, the identity id')
    .option('--note <text>', 'what you checked')
    .option('--as <actor>', 'who attests (default: user:<login name>)')
    .action((planId: string, options: { gate: string; subject: string; note?: string; as?: string }) =>
      withIdentity(async (_app, response) => {
        printJson(await response.attest(planId, { step: options.gate, subject: options.subject, actor: actor(options.as), ...(options.note ? { note: options.note } : {}) }));
      }),
    );

  const finding = program.command('finding').description('identity findings: leaked secrets, anomalous use, compromised tokens');
  finding
    .command('ingest <file>')
    .description('parse a scanner report or event, enrich it, plan the response, open a case and propose each step')
    .requiredOption('--format <format>', FINDING_FORMATS.join(' | '))
    .option('--tenant <tenant>', 'tenant (default: WRIT_TENANT)')
    .option('--location <url>', 'where the scanned material lives, for reports that do not say')
    .option('--run', 'then run the queued work (approved actions, plan steps) until none is due')
    .action((file: string, options: { format: string; tenant?: string; location?: string; run?: boolean }) =>
      withIdentity(async (app, response) => {
        if (!isFindingFormat(options.format)) throw new CliUsageError(`--format must be one of ${FINDING_FORMATS.join(', ')}, got "${options.format}"`);
        const outcomes = await response.ingest({ format: options.format, body: readText(file), ...(options.tenant ? { tenant: options.tenant } : {}), ...(options.location ? { location: options.location } : {}) });
        let ran: number | undefined;
        if (options.run) {
          const handlers = new Map([...jobHandlers(app), ...identityJobHandlers(app)]);
          ran = await new Worker(app.jobs, handlers, { concurrency: 1, pollMs: 50, logger: app.logger, redact: (t) => app.redactor.redactText(t) }).runUntilIdle();
        }
        printJson({ findings: outcomes, ...(ran === undefined ? {} : { jobsRun: ran }) });
      }),
    );
}

/** Opens the app with identity response registered (from the environment) and releases its connectors after. */
async function withIdentity(body: (app: App, response: IdentityResponse) => Promise<void>): Promise<void> {
  await withApp(async (app) => {
    const response = identityResponseFor(app);
    try {
      await body(app, response);
    } finally {
      await response.close();
    }
  });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new WritError('WRIT_INPUT_INVALID', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

function jsonItems(text: string, what: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown[];
    } catch {
      throw new WritError('WRIT_INPUT_INVALID', `${what}: not valid JSON`);
    }
  }
  return trimmed
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new WritError('WRIT_INPUT_INVALID', `${what} line ${i + 1}: not valid JSON`);
      }
    });
}

function actor(as: string | undefined): string {
  return as ?? `user:${userInfo().username}`;
}
