import { randomUUID } from 'node:crypto';
import { WritError } from '../errors/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Ledger } from '../ledger/index.ts';
import {
  CampaignClusterer,
  analyseMessage,
  compileMailOptions,
  extractReportedMessage,
  type Analysis,
  type CompiledMailOptions,
  type MailOptions,
} from '../mail/index.ts';
import type { SerializableCriteria } from '../mail/containment/index.ts';
import type { Db, Store } from '../store/index.ts';

export type ReportChannel = 'imap' | 'upload' | 'cli';

export interface ReportInput {
  raw: Buffer;
  reporter: string;
  channel: ReportChannel;
  tenant: string;
  /**
   * True when `raw` is the user's report that carries the original (a report button's
   * message with the original attached, as a reporting mailbox receives it); false when
   * `raw` is the reported message itself (an uploaded or CLI-given `.eml`).
   */
  wrapped: boolean;
  /**
   * A stable id of this receipt (a reporting mailbox's UIDVALIDITY and UID), so a receipt
   * seen again after a crash is recognised instead of being counted as another report.
   */
  receiptId?: string;
}

export interface ReportOutcome {
  reportId: string;
  duplicate: boolean;
  reportCount: number;
  status: 'triaged' | 'unextractable';
  verdict: 'safe' | 'malicious' | 'uncertain';
  confidence: number;
  campaignId: string | null;
  reasons: string[];
}

export const PLAYBOOK_JOB = 'playbook.report';

/**
 * Intake of user reports. Each distinct message is triaged once: repeated reports of it
 * (by fingerprint: Message-ID, sender, subject, body digest) are counted, not re-triaged.
 * A report whose original cannot be extracted is still recorded, as uncertain, so a person
 * looks at it. Triage (parse, indicators, verdict) runs outside the transaction; recording,
 * campaign assignment, the ledger entries and the playbook job commit together.
 */
export class ReportIntake {
  private readonly mailOptions: CompiledMailOptions;

  constructor(
    private readonly store: Store,
    private readonly ledger: Ledger,
    private readonly jobs: JobQueue,
    mailOptions: MailOptions = {},
  ) {
    this.mailOptions = compileMailOptions(mailOptions);
  }

  async receive(input: ReportInput): Promise<ReportOutcome> {
    const reporter = normaliseReporter(input.reporter);
    if (input.receiptId) {
      const seen = await this.store.db.selectFrom('report_events').select('report_id').where('id', '=', input.receiptId).executeTakeFirst();
      if (seen) return this.outcomeOf(seen.report_id, true);
    }
    if (input.raw.length === 0) throw new WritError('WRIT_MAIL_INVALID', 'the report is empty');
    const original = input.wrapped ? await extractReportedMessage(input.raw, this.mailOptions.limits) : input.raw;
    // Without an extractable original, the report itself is analysed for the record and
    // routed to a person whatever the model says.
    const analysis = await analyseMessage(original ?? input.raw, this.mailOptions);
    const unextractable = original === null;
    const outcome = await this.store.transaction(async (trx) => {
      const existing = await trx
        .selectFrom('reports')
        .selectAll()
        .where('tenant', '=', input.tenant)
        .where('fingerprint', '=', analysis.fingerprint)
        .executeTakeFirst();
      const now = Date.now();
      if (existing) {
        await trx.updateTable('reports').set({ report_count: existing.report_count + 1, last_reported_at: now }).where('id', '=', existing.id).execute();
        await trx.insertInto('report_events').values({ id: input.receiptId ?? randomUUID(), report_id: existing.id, reporter, channel: input.channel, received_at: now }).execute();
        await this.ledger.append(trx, [
          { kind: 'report.repeated', actor: `reporter:${reporter}`, subjects: { case: existing.case_id ?? undefined, campaign: existing.campaign_id ?? undefined }, payload: { report: existing.id, channel: input.channel, count: existing.report_count + 1 } },
        ]);
        return {
          reportId: existing.id,
          duplicate: true,
          reportCount: existing.report_count + 1,
          status: existing.status,
          verdict: existing.verdict,
          confidence: existing.confidence,
          campaignId: existing.campaign_id,
          reasons: (JSON.parse(existing.reasons) as string[]) ?? [],
        } satisfies ReportOutcome;
      }
      const verdict = unextractable ? 'uncertain' : analysis.verdict.verdict;
      const reasons = [
        ...(unextractable ? ['the report carries no attached original: routed to a person'] : []),
        ...analysis.verdict.reasons.slice(0, 5).map((r) => `${r.code}: ${r.detail}`),
      ];
      const campaignId = unextractable ? null : await this.assignCampaign(trx, input.tenant, analysis);
      const reportId = `report-${randomUUID()}`;
      await trx
        .insertInto('reports')
        .values({
          id: reportId,
          tenant: input.tenant,
          fingerprint: analysis.fingerprint,
          sha256: analysis.sha256,
          message_id: analysis.messageId,
          subject: analysis.subject,
          sender: analysis.from,
          status: unextractable ? 'unextractable' : 'triaged',
          verdict,
          confidence: analysis.verdict.confidence,
          probability: analysis.verdict.probability,
          reasons: JSON.stringify(reasons),
          analysis: JSON.stringify(storedAnalysis(analysis)),
          campaign_id: campaignId,
          case_id: null,
          report_count: 1,
          first_reported_at: now,
          last_reported_at: now,
          label: null,
        })
        .execute();
      await trx.insertInto('report_events').values({ id: input.receiptId ?? randomUUID(), report_id: reportId, reporter, channel: input.channel, received_at: now }).execute();
      await trx
        .insertInto('report_blobs')
        .values({ sha256: analysis.sha256, raw: (original ?? input.raw).toString('base64') })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
      await this.ledger.append(trx, [
        {
          kind: 'report.received',
          actor: `reporter:${reporter}`,
          subjects: { campaign: campaignId ?? undefined },
          payload: { report: reportId, channel: input.channel, sha256: analysis.sha256, message_id: analysis.messageId, subject: analysis.subject, sender: analysis.from, extracted: !unextractable },
        },
        {
          kind: 'triage.assessed',
          actor: 'system:triage',
          subjects: { campaign: campaignId ?? undefined },
          payload: {
            report: reportId,
            verdict,
            confidence: analysis.verdict.confidence,
            probability: analysis.verdict.probability,
            decided_by: analysis.verdict.decidedBy,
            reasons,
            indicators: analysis.indicators.length,
            limits: analysis.limits,
          },
        },
      ]);
      await this.jobs.enqueue(trx, { kind: PLAYBOOK_JOB, payload: { reportId }, idempotencyKey: `playbook:${reportId}` });
      return { reportId, duplicate: false, reportCount: 1, status: unextractable ? 'unextractable' : 'triaged', verdict, confidence: analysis.verdict.confidence, campaignId, reasons } satisfies ReportOutcome;
    });
    await this.ledger.afterCommit();
    return outcome;
  }

  private async outcomeOf(reportId: string, duplicate: boolean): Promise<ReportOutcome> {
    const r = await this.store.db.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirstOrThrow();
    return { reportId: r.id, duplicate, reportCount: r.report_count, status: r.status, verdict: r.verdict, confidence: r.confidence, campaignId: r.campaign_id, reasons: JSON.parse(r.reasons) as string[] };
  }

  /** The original message of a report, for retro-hunts and evidence. */
  async raw(sha256: string): Promise<Buffer | undefined> {
    const row = await this.store.db.selectFrom('report_blobs').select('raw').where('sha256', '=', sha256).executeTakeFirst();
    return row ? Buffer.from(row.raw, 'base64') : undefined;
  }

  /**
   * Assigns the message to a campaign under the shared clusterer, locked for the
   * transaction so every process sees one clustering, and records the campaign's
   * retro-hunt criteria.
   */
  private async assignCampaign(trx: Db, tenant: string, analysis: Analysis): Promise<string> {
    const query = trx.selectFrom('triage_state').selectAll().where('id', '=', 1);
    const state = await (this.store.engine === 'postgres' ? query.forUpdate() : query).executeTakeFirstOrThrow();
    const clusterer = state.clusterer ? CampaignClusterer.fromJSON(JSON.parse(state.clusterer)) : new CampaignClusterer();
    const assignment = clusterer.add(analysis);
    await trx.updateTable('triage_state').set({ clusterer: JSON.stringify(clusterer.toJSON()), updated_at: Date.now() }).where('id', '=', 1).execute();
    const criteria = campaignCriteria(analysis);
    const existing = await trx.selectFrom('campaigns').select(['criteria']).where('id', '=', assignment.campaignId).executeTakeFirst();
    const now = Date.now();
    if (existing) {
      const merged = mergeCriteria(JSON.parse(existing.criteria) as SerializableCriteria[], criteria);
      await trx.updateTable('campaigns').set({ criteria: JSON.stringify(merged), updated_at: now }).where('id', '=', assignment.campaignId).execute();
    } else {
      await trx
        .insertInto('campaigns')
        .values({ id: assignment.campaignId, tenant, name: analysis.subject || analysis.from || assignment.campaignId, criteria: JSON.stringify(criteria), indicators: JSON.stringify({ matched_by: assignment.matchedBy }), created_at: now, updated_at: now })
        .execute();
    }
    for (const merged of assignment.merged) {
      await trx.updateTable('reports').set({ campaign_id: assignment.campaignId }).where('campaign_id', '=', merged).execute();
    }
    return assignment.campaignId;
  }
}

/**
 * What a retro-hunt searches for: this exact message by Message-ID, and copies sent by the
 * same sender with the same subject (campaigns often mint a Message-ID per recipient).
 */
export function campaignCriteria(analysis: Pick<Analysis, 'messageId' | 'from' | 'subject'>): SerializableCriteria[] {
  const criteria: SerializableCriteria[] = [];
  if (analysis.messageId) criteria.push({ messageId: analysis.messageId });
  if (analysis.from && analysis.subject) criteria.push({ from: analysis.from, subject: analysis.subject });
  return criteria;
}

function mergeCriteria(a: SerializableCriteria[], b: SerializableCriteria[]): SerializableCriteria[] {
  const seen = new Set(a.map((c) => JSON.stringify(c)));
  return [...a, ...b.filter((c) => !seen.has(JSON.stringify(c)))].slice(0, 200);
}

/** The analysis as stored: indicators and features, not the message body. */
function storedAnalysis(analysis: Analysis): Omit<Analysis, 'similarity'> {
  const { similarity: _similarity, ...rest } = analysis;
  return rest;
}

function normaliseReporter(reporter: string): string {
  const value = reporter.trim().toLowerCase();
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(value) || value.length > 320) {
    throw new WritError('WRIT_INPUT_INVALID', `reporter must be an email address, got "${reporter.slice(0, 80)}"`);
  }
  return value;
}
