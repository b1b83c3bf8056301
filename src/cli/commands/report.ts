import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { WritError } from '../../errors/index.ts';
import { printJson, withApp } from '../with-app.ts';

/** `writ report`: a user report from the command line, triaged and recorded like any other. */
export function register(program: Command): void {
  program
    .command('report <file>')
    .description('record a user report of FILE.eml: deduplicated, triaged, clustered into a campaign, handed to the playbook')
    .requiredOption('--reporter <address>', 'who reported it')
    .option('--wrapped', 'FILE is a report carrying the original as an attachment (as report buttons send it)')
    .option('--tenant <tenant>', 'tenant (default: WRIT_TENANT)')
    .option('--json', 'print the outcome as JSON')
    .action((file: string, options: { reporter: string; wrapped?: boolean; tenant?: string; json?: boolean }) =>
      withApp(async (app) => {
        let raw: Buffer;
        try {
          raw = readFileSync(file);
        } catch (error) {
          throw new WritError('WRIT_INPUT_INVALID', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
        }
        const outcome = await app.intake.receive({ raw, reporter: options.reporter, channel: 'cli', tenant: options.tenant ?? app.config.tenants.default, wrapped: options.wrapped === true });
        if (options.json) printJson(outcome);
        else {
          const how = outcome.duplicate ? `already reported (${outcome.reportCount} reports)` : `${outcome.verdict} (confidence ${outcome.confidence.toFixed(2)})`;
          process.stdout.write(`${outcome.reportId}: ${how}${outcome.campaignId ? `, campaign ${outcome.campaignId}` : ''}\n`);
        }
      }),
    );
}
