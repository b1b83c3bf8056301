import { readFileSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { WritError } from '../../errors/index.ts';
import {
  consistencyProof,
  exportLedger,
  inclusionProof,
  verifierKey,
  verifyExportFile,
  verifyStore,
  type VerifyReport,
} from '../../ledger/index.ts';
import { CliUsageError, parseIndex, printJson, withApp } from '../with-app.ts';

export function register(program: Command): void {
  const ledger = program.command('ledger').description('the tamper-evident ledger: verify, export, prove, annotate');

  ledger
    .command('pubkey')
    .description("print the ledger's verifier key in signed-note format (name+hash+base64)")
    .action(() =>
      withApp(async (app) => {
        process.stdout.write(`${verifierKey(app.ledger.origin, app.ledger.publicKey)}\n`);
      }),
    );

  ledger
    .command('verify')
    .description('recompute every leaf and root and check every checkpoint; exit 1 naming the first bad seq')
    .option('--export <file>', 'verify an export file instead of the database (no database needed)')
    .option('--key <key>', 'verifier key (text or a file holding it), required with --export')
    .option('--json', 'print the report as JSON')
    .action(async (options: { export?: string; key?: string; json?: boolean }) => {
      let report: VerifyReport;
      if (options.export) {
        if (!options.key) throw new CliUsageError('--export needs --key (the output of writ ledger pubkey)');
        report = await verifyExportFile(options.export, readKey(options.key));
      } else {
        if (options.key) throw new CliUsageError('--key is only used with --export');
        report = await withApp((app) => verifyStore(app.store, verifierKey(app.ledger.origin, app.ledger.publicKey)));
      }
      if (options.json) printJson({ ok: true, ...report });
      else {
        const unsigned = report.entries - report.verifiedSize;
        process.stdout.write(
          `ok: ${report.entries} entries, root ${report.root}, ${report.checkpoints} checkpoints verified` +
            (unsigned > 0 ? ` (${unsigned} newest entries await the next checkpoint)` : '') +
            '\n',
        );
      }
    });

  ledger
    .command('export')
    .description('write entries and checkpoints as JSON Lines')
    .requiredOption('--out <file>', 'file to write (must not exist)')
    .action((options: { out: string }) =>
      withApp(async (app) => {
        if (existsSync(options.out)) throw new CliUsageError(`${options.out} already exists; choose a new file`);
        const result = await exportLedger(app.store, app.ledger, options.out);
        process.stdout.write(`wrote ${result.entries} entries and ${result.checkpoints} checkpoints to ${options.out}\n`);
      }),
    );

  ledger
    .command('proof')
    .description('print an RFC 9162 inclusion proof (--seq) or consistency proof (--consistency) as JSON')
    .option('--seq <n>', 'entry to prove')
    .option('--size <m>', 'tree size to prove it in (default: the current size)')
    .option('--consistency <sizes...>', 'OLD NEW tree sizes')
    .action((options: { seq?: string; size?: string; consistency?: string[] }) =>
      withApp(async (app) => {
        if (options.consistency) {
          if (options.seq !== undefined || options.size !== undefined) throw new CliUsageError('use either --seq or --consistency, not both');
          const [oldText, newText, ...rest] = options.consistency;
          if (oldText === undefined || newText === undefined || rest.length > 0) throw new CliUsageError('--consistency takes exactly two sizes: OLD NEW');
          printJson(await consistencyProof(app.ledger, parseIndex('OLD', oldText), parseIndex('NEW', newText)));
          return;
        }
        if (options.seq === undefined) throw new CliUsageError('give --seq N or --consistency OLD NEW');
        const size = options.size === undefined ? undefined : parseIndex('--size', options.size);
        printJson(await inclusionProof(app.ledger, parseIndex('--seq', options.seq), size));
      }),
    );

  ledger
    .command('note')
    .description("record an operator's annotation, such as an action taken outside Writ")
    .requiredOption('--text <text>', 'the annotation')
    .option('--case <id>', 'the case it concerns')
    .option('--actor <name>', 'who is writing it (default: operator:<login name>)')
    .action((options: { text: string; case?: string; actor?: string }) =>
      withApp(async (app) => {
        if (options.text.trim() === '') throw new CliUsageError('--text must not be empty');
        const actor = options.actor ?? `operator:${userInfo().username}`;
        const [entry] = await app.ledger.appendNow([
          { kind: 'operator.note', actor, subjects: { case: options.case }, payload: { text: options.text } },
        ]);
        process.stdout.write(`recorded as seq ${entry!.seq}\n`);
      }),
    );

  ledger
    .command('checkpoint')
    .description('sign a checkpoint for the current tree now')
    .action(() =>
      withApp(async (app) => {
        const checkpoint = await app.ledger.checkpoint();
        process.stdout.write(checkpoint ? checkpoint.note : 'the ledger is empty; nothing to sign\n');
      }),
    );
}

function readKey(value: string): string {
  if (/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(value)) return value;
  try {
    return readFileSync(value, 'utf8').trim();
  } catch (error) {
    throw new WritError('WRIT_KEY_UNREADABLE', `--key is neither a verifier key nor a readable file: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}
