import { z } from 'zod';
import { defineAction } from './define-action.ts';

// Case actions change only Writ's own records: not disruptive, and they touch nobody.

const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export const openCase = defineAction({
  name: 'open_case',
  description: 'Open a case for the record.',
  params: z.strictObject({
    title: z.string().min(1).max(200),
    caseType: z.enum(['phishing', 'identity', 'host', 'general', 'post_incident_review']),
    severity: z.enum(SEVERITIES),
  }),
  targets: ['case'],
  capability: 'case.write',
  domain: 'case',
  disruptive: false,
  reversible: true,
  undo: { action: 'close_case', params: () => ({ resolution: 'opened_in_error' }) },
  baseRisk: 'low',
  blastRadius: () => 0,
});

export const routeCase = defineAction({
  name: 'route_case',
  description: "Move a case to an analyst queue.",
  params: z.strictObject({ queue: z.string().min(1).max(100) }),
  targets: ['case'],
  capability: 'case.write',
  domain: 'case',
  disruptive: false,
  reversible: true,
  // Back to the queue it came from, which the executor records.
  undo: { action: 'route_case' },
  baseRisk: 'low',
  blastRadius: () => 0,
});

export const closeCase = defineAction({
  name: 'close_case',
  description: 'Close a case once its closure criteria are met.',
  params: z.strictObject({
    resolution: z.enum(['resolved', 'false_positive', 'benign', 'duplicate', 'opened_in_error']),
    note: z.string().max(4000).optional(),
  }),
  targets: ['case'],
  capability: 'case.write',
  domain: 'case',
  disruptive: false,
  reversible: true,
  undo: { action: 'reopen_case', params: () => ({ reason: 'closure rolled back' }) },
  baseRisk: 'low',
  blastRadius: () => 0,
});

export const reopenCase = defineAction({
  name: 'reopen_case',
  description: 'Reopen a closed case.',
  params: z.strictObject({ reason: z.string().min(1).max(4000) }),
  targets: ['case'],
  capability: 'case.write',
  domain: 'case',
  disruptive: false,
  rollback: true,
  reversible: true,
  undo: { action: 'close_case' },
  baseRisk: 'low',
  blastRadius: () => 0,
});

export const exportEvidence = defineAction({
  name: 'export_evidence',
  description: "Write a case's evidence bundle (ledger entries, proofs, checkpoint, artefacts).",
  params: z.strictObject({ includeArtefacts: z.boolean() }),
  targets: ['case'],
  capability: 'evidence.export',
  domain: 'case',
  disruptive: false,
  // Evidence that has left cannot be called back.
  reversible: false,
  baseRisk: 'low',
  blastRadius: () => 0,
});
