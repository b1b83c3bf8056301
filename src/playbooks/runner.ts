import { WritError } from '../errors/index.ts';
import type { JobContext, JobQueue } from '../jobs/index.ts';
import type { Kernel, Proposal } from '../kernel/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Analysis } from '../mail/index.ts';
import type { SerializableCriteria } from '../mail/containment/index.ts';
import { oneLine } from '../mail/notify/index.ts';
import type { MailSystem } from '../mail/systems/index.ts';
import type { Db, Store } from '../store/index.ts';
import { stepAction, stepParams, type Playbook, type PlaybookRule } from './playbook.ts';

export const CLOSE_JOB = 'playbook.close';

export interface RunnerOptions {
  /** Who receives a shared or delegated mailbox's notifications: every owner. Default: the address itself. */
  mailboxOwners?: (address: string) => readonly string[];
  /** How long to keep re-checking a contained campaign's case for closure. */
  closeAttempts?: number;
}

export interface RunOutcome {
  rule: string | null;
  caseId: string | null;
  proposals: Array<{ id: string; type: string; decision: string; status: string }>;
  hits: number;
}

type ReportRow = {
  id: string;
  tenant: string;
  subject: string;
  verdict: 'safe' | 'malicious' | 'uncertain';
  confidence: number;
  campaign_id: string | null;
  case_id: string | null;
  analysis: string;
};

/**
 * Runs the phishing playbook for one triaged report: picks the rule for its verdict,
 * retro-hunts every mailbox for the campaign, opens the case where the rule says so, and
 * proposes each step to the kernel as the playbook's own workflow identity. Everything is
 * recorded in one transaction with the job's completion, so a crash never proposes twice.
 */
export class PlaybookRunner {
  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly jobs: JobQueue,
    private readonly kernel: Kernel,
    private readonly mail: MailSystem,
    private readonly campaigns: { criteria(id: string): Promise<SerializableCriteria[] | undefined> },
    private readonly playbook: Playbook,
    private readonly options: RunnerOptions = {},
  ) {}

  /** The job handler body: `ctx.complete` commits the run and the job together. */
  async runReport(reportId: string, ctx: Pick<JobContext, 'complete'>): Promise<RunOutcome> {
    const report = (await this.store.db.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst()) as ReportRow | undefined;
    if (!report) throw new WritError('WRIT_NOT_FOUND', `no report ${reportId}`, { retryable: false });
    const analysis = JSON.parse(report.analysis) as Partial<Analysis>;
    const rule = this.pickRule(report, analysis);
    const engine = await this.kernel.actions.policyEngine();
    // The retro-hunt reads every mailbox before anything is recorded.
    const hits = rule && report.campaign_id && rule.steps.some((s) => stepAction(s) === 'purge_campaign') ? await this.retroHunt(report.campaign_id) : new Map<string, number>();
    const reporters = await this.reporters(reportId);
    return ctx.complete(async (trx) => {
      const outcome: RunOutcome = { rule: rule?.name ?? null, caseId: null, proposals: [], hits: [...hits.values()].reduce((a, b) => a + b, 0) };
      if (rule) {
        const severity = this.severity(report, hits.size, reporters.length);
        if (rule.case) {
          outcome.caseId = await this.kernel.cases.openIn(trx, {
            type: rule.case.type,
            title: oneLine(rule.case.title.replace('{subject}', report.subject || '(no subject)')),
            tenant: report.tenant,
            severity,
            queue: rule.case.queue,
            openedBy: this.principalKey(),
            facts: { report: report.id, campaign: report.campaign_id, subject: oneLine(report.subject), verdict: report.verdict, confidence: report.confidence },
          }, undefined, rule.case.sla_minutes === undefined ? undefined : rule.case.sla_minutes * 60_000);
          await trx.updateTable('reports').set({ case_id: outcome.caseId }).where('id', '=', report.id).execute();
        }
        for (const step of rule.steps) {
          const proposal = this.proposalFor(stepAction(step), stepParams(step), report, outcome.caseId, hits, reporters, severity);
          if (!proposal) continue;
          const view = await this.kernel.actions.proposeIn(trx, proposal, engine);
          outcome.proposals.push({ id: view.id, type: view.type, decision: view.decision, status: view.status });
        }
        if (rule.close_when_verified && outcome.caseId) {
          await this.jobs.enqueue(trx, { kind: CLOSE_JOB, payload: { caseId: outcome.caseId }, idempotencyKey: `close:${outcome.caseId}`, maxAttempts: this.options.closeAttempts ?? 12 });
        }
      }
      await this.ledger.append(trx, [
        {
          kind: 'playbook.ran',
          actor: this.principalKey(),
          subjects: { case: outcome.caseId ?? undefined, campaign: report.campaign_id ?? undefined },
          payload: { playbook: this.playbook.definition.id, version: this.playbook.definition.version, digest: this.playbook.digest, report: report.id, rule: outcome.rule, hits: outcome.hits, mailboxes: hits.size, proposals: outcome.proposals },
        },
      ]);
      return outcome;
    });
  }

  /**
   * Closes a contained campaign's case once the read-back shows no campaign message left in
   * any inbox. Until then (an approval pending, a purge retrying) it asks to be tried again.
   */
  async closeIfVerified(caseId: string): Promise<{ closed: boolean }> {
    const view = await this.kernel.cases.get(caseId);
    if (view.status === 'closed') return { closed: true };
    const results = await this.kernel.cases.evaluate(caseId);
    const unmet = results.filter((r) => !r.met).map((r) => r.criterion);
    if (unmet.length > 0) throw new WritError('WRIT_CASE_NOT_CLOSABLE', `case ${caseId} not yet verified: ${unmet.join(', ')}`, { retryable: true });
    await this.kernel.cases.close(caseId, this.principalKey());
    return { closed: true };
  }

  private pickRule(report: ReportRow, analysis: Partial<Analysis>): PlaybookRule | undefined {
    const ownSimulation = (analysis.indicators ?? []).some((i) => i.kind === 'simulation' && i.own);
    return this.playbook.definition.rules.find((r) => {
      if (r.when.verdict !== report.verdict) return false;
      if (r.when.simulation !== undefined && r.when.simulation !== ownSimulation) return false;
      if (r.when.confidence_at_least !== undefined && report.confidence < r.when.confidence_at_least) return false;
      return true;
    });
  }

  /** Mailbox → campaign messages found there, outside quarantine. */
  private async retroHunt(campaignId: string): Promise<Map<string, number>> {
    const criteria = (await this.campaigns.criteria(campaignId)) ?? [];
    const seen = new Set<string>();
    const perMailbox = new Map<string, number>();
    for (const c of criteria) {
      for await (const hit of this.mail.search(c)) {
        const key = `${hit.mailbox}\u0000${hit.folder}\u0000${hit.locator}`;
        if (seen.has(key)) continue;
        seen.add(key);
        perMailbox.set(hit.mailbox, (perMailbox.get(hit.mailbox) ?? 0) + 1);
      }
    }
    return perMailbox;
  }

  private async reporters(reportId: string): Promise<string[]> {
    const rows = await this.store.db.selectFrom('report_events').select('reporter').where('report_id', '=', reportId).execute();
    const owners = rows.flatMap((r) => this.options.mailboxOwners?.(r.reporter) ?? [r.reporter]);
    return [...new Set(owners.map((o) => o.toLowerCase()))].sort();
  }

  private severity(report: ReportRow, mailboxes: number, reporters: number): 'low' | 'medium' | 'high' | 'critical' {
    const meets = (t: { confidence_at_least?: number | undefined; mailboxes_at_least?: number | undefined; reporters_at_least?: number | undefined }) =>
      (t.confidence_at_least === undefined || report.confidence >= t.confidence_at_least) &&
      (t.mailboxes_at_least === undefined || mailboxes >= t.mailboxes_at_least) &&
      (t.reporters_at_least === undefined || reporters >= t.reporters_at_least);
    const { critical_when, high_when } = this.playbook.definition.severity;
    if (report.verdict === 'malicious' && meets(critical_when)) return 'critical';
    if (report.verdict === 'malicious' && meets(high_when)) return 'high';
    return report.verdict === 'safe' ? 'low' : 'medium';
  }

  private proposalFor(
    action: string,
    params: Record<string, unknown>,
    report: ReportRow,
    caseId: string | null,
    hits: Map<string, number>,
    reporters: string[],
    severity: 'low' | 'medium' | 'high' | 'critical',
  ): Proposal | undefined {
    const base = {
      principal: { type: 'workflow' as const, id: this.playbook.definition.principal, owner: this.playbook.definition.owner, actions: this.playbook.definition.actions },
      origin: 'rule' as const,
      tenant: report.tenant,
      ...(caseId ? { caseId } : {}),
      context: { confidence: report.confidence, uncertainty: Math.max(0, Math.min(1, 1 - report.confidence)), severity },
    };
    switch (action) {
      case 'purge_campaign':
        // Nothing found anywhere: nothing to purge (the report is still recorded and notified).
        if (!report.campaign_id || hits.size === 0) return undefined;
        return { ...base, type: action, target: { type: 'campaign', id: report.campaign_id }, params: { campaignId: report.campaign_id, mailboxes: [...hits.keys()].sort(), mode: params.mode } };
      case 'notify_reporter':
        if (reporters.length === 0) return undefined;
        return { ...base, type: action, target: caseId ? { type: 'case', id: caseId } : { type: 'message', id: report.id }, params: { recipients: reporters, template: params.template } };
      case 'route_case':
        if (!caseId) return undefined;
        return { ...base, type: action, target: { type: 'case', id: caseId }, params: { queue: params.queue } };
      default:
        throw new WritError('WRIT_INTERNAL', `the playbook runner has no binding for ${action}`);
    }
  }

  private principalKey(): string {
    return `workflow:${this.playbook.definition.principal}`;
  }
}

/** Reads a case's notification facts for the notify connector. */
export async function notificationFacts(db: Db, caseId: string | null, reportId: string | null) {
  if (caseId) {
    const row = await db.selectFrom('cases').select(['facts']).where('id', '=', caseId).executeTakeFirst();
    const facts = row ? (JSON.parse(row.facts) as { subject?: string }) : {};
    const contained = await db.selectFrom('actions').select(['result']).where('case_id', '=', caseId).where('type', '=', 'purge_campaign').where('status', '=', 'executed').execute();
    const moved = contained.reduce((n, r) => n + Number((JSON.parse(r.result ?? '{}') as { result?: { found?: number } }).result?.found ?? 0), 0);
    return { reportedSubject: facts.subject ?? '', caseId, ...(contained.length > 0 ? { contained: moved } : {}) };
  }
  const report = reportId ? await db.selectFrom('reports').select(['subject']).where('id', '=', reportId).executeTakeFirst() : undefined;
  return { reportedSubject: report?.subject ?? '', caseId: null };
}
