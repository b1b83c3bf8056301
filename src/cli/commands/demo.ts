import type { Command } from 'commander';
import { runDemo } from '../../demo/index.ts';
import { printJson, withApp } from '../with-app.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .description('build a Maildir world with a phishing campaign, report one message, and let Writ contain it')
    .option('--mailboxes <n>', 'people in the demo organisation', '50')
    .option('--reset', 'rebuild the mail world even if it exists')
    .option('--json', 'print the summary as JSON')
    .action((options: { mailboxes: string; reset?: boolean; json?: boolean }) =>
      withApp(async (app) => {
        const count = Number(options.mailboxes);
        if (!Number.isInteger(count) || count < 2 || count > 50) throw new Error('--mailboxes must be between 2 and 50');
        const summary = await runDemo(app, { mailboxes: count, recipients: Math.ceil(count * 0.6), reset: options.reset === true });
        if (summary === 'exists') {
          process.stdout.write(`the demo world already exists in ${app.config.mail.maildirRoot} (use --reset to rebuild it)\n`);
          return;
        }
        if (options.json) return printJson(summary);
        const ms = summary.reportToContainmentMs;
        process.stdout.write(
          [
            `Writ demo: ${summary.mailboxes} mailboxes, one phishing campaign`,
            `  reports received           ${summary.reports}`,
            `  campaign size              ${summary.campaignSize} messages`,
            `  messages contained         ${summary.contained} (left in inboxes: ${summary.remainingInInboxes})`,
            `  report to containment      ${ms === null ? 'not contained' : `${(ms / 1000).toFixed(2)} s`}`,
            `  case                       ${summary.caseId ?? '-'} (${summary.caseStatus ?? '-'})`,
            `  cases left for an analyst  ${summary.casesForAnalyst}`,
            `  ledger                     ${summary.ledgerEntries} entries, verified`,
            '',
          ].join('\n'),
        );
      }),
    );
}
