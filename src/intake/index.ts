/** Intake of signals: user-reported mail (CLI, upload, reporting mailbox). */
export { ReportIntake, PLAYBOOK_JOB, campaignCriteria, type ReportChannel, type ReportInput, type ReportOutcome } from './report-intake.ts';
export { ReportMailboxPoller, type ReportMailboxOptions } from './imap-poller.ts';
