import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { WritError } from '../../errors/index.ts';
import { compileMailOptions, triagePaths, type MailOptions, type TriageRow } from '../../mail/index.ts';

/**
 * `writ triage PATHS… [--json]`: verdicts for .eml files or folders of them, offline.
 * Reads the files and nothing else: no database, no network, no side effects. A file that
 * cannot be read gets its own line with the error and the run goes on; the exit code is 0
 * when every file was processed, 1 when some could not be read.
 */
export function register(program: Command): void {
  program
    .command('triage')
    .description('triage .eml files or folders: verdict, confidence, campaign and reasons for each (no side effects)')
    .argument('<paths...>', '.eml files, or folders searched for *.eml')
    .option('--json', 'one JSON object per line: {"file","verdict","confidence","probability","campaign","reasons"}')
    .option('--config <file>', 'JSON mail options: organisationDomains, knownBad, knownGood, simulations, thresholds, limits')
    .option('--org-domain <domain>', "one of the organisation's own domains (repeatable); lookalikes of them are flagged", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .action(async (paths: string[], options: { json?: boolean; config?: string; orgDomain?: string[] }) => {
      const mail = compileMailOptions(mailOptions(options.config, options.orgDomain));
      const rows = await triagePaths(paths, { mail });
      if (options.json) {
        for (const row of rows) process.stdout.write(`${JSON.stringify(jsonRow(row))}\n`);
      } else {
        process.stdout.write(table(rows));
      }
      if (rows.some((r) => r.error !== undefined)) process.exitCode = 1;
    });
}

function mailOptions(configFile: string | undefined, orgDomains: string[] | undefined): MailOptions {
  let options: MailOptions = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (error) {
      throw new WritError('WRIT_INPUT_INVALID', `cannot read --config ${configFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      options = JSON.parse(text) as MailOptions;
    } catch {
      throw new WritError('WRIT_INPUT_INVALID', `--config ${configFile} is not valid JSON`);
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new WritError('WRIT_INPUT_INVALID', `--config ${configFile} must hold a JSON object`);
    }
  }
  if (orgDomains?.length) options = { ...options, organisationDomains: [...(options.organisationDomains ?? []), ...orgDomains] };
  return options;
}

function jsonRow(row: TriageRow): Record<string, unknown> {
  return {
    file: row.file,
    verdict: row.verdict,
    confidence: row.confidence,
    probability: row.probability,
    campaign: row.campaign,
    reasons: row.reasons,
    ...(row.error === undefined ? {} : { error: row.error }),
  };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Terminal-safe: no escape sequences or bidirectional overrides from file names or mail. */
const clean = (text: string, max: number) => {
  const t = text.replace(CONTROL, '?');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

function table(rows: TriageRow[]): string {
  const header = ['VERDICT', 'CONF', 'P(MAL)', 'CAMPAIGN', 'FILE', 'TOP REASON'];
  const body = rows.map((r) => [
    r.error ? 'error' : r.verdict,
    r.confidence.toFixed(2),
    r.probability.toFixed(2),
    r.campaign ?? '-',
    clean(r.file, 60),
    clean(r.reasons[0] ?? '', 90),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const counts = ['malicious', 'uncertain', 'safe'].map((v) => `${rows.filter((r) => !r.error && r.verdict === v).length} ${v}`);
  const errors = rows.filter((r) => r.error).length;
  const summary = `${rows.length} file(s): ${counts.join(', ')}${errors ? `, ${errors} unreadable` : ''}`;
  return `${[line(header), ...body.map(line)].join('\n')}\n${summary}\n`;
}
