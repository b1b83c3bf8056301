// `npm run bench`: every benchmark, JSON on stdout. `npm run bench -- ledger` runs one group.
// Sizes are the targets by default; BENCH_QUICK=1 shrinks them for a smoke run.
import { benchLedgerEngine, benchLedgerScale } from './ledger.ts';
import { benchPolicy } from './policy.ts';
import { benchMail } from './mail.ts';
import { benchMailSystems } from './mail-systems.ts';
import { benchIdentity } from './identity.ts';
import { benchApi } from './api.ts';

const quick = process.env.BENCH_QUICK === '1';
const only = new Set(process.argv.slice(2));
const want = (name: string) => only.size === 0 || only.has(name);

const groups: Record<string, () => Promise<Record<string, number>>> = {
  ledger: async () => ({
    ...(await benchLedgerEngine('sqlite', { single: quick ? 500 : 5000, batched: quick ? 5000 : 100_000, batchSize: 1000 })),
    ...(await benchLedgerEngine('postgres', { single: quick ? 300 : 3000, batched: quick ? 5000 : 50_000, batchSize: 1000 })),
    ...(await benchLedgerScale(quick ? 20_000 : 1_000_000)),
  }),
  policy: () => benchPolicy(),
  mail: () => benchMail(),
  'mail-systems': () => benchMailSystems({ thousand: !quick }),
  identity: () => benchIdentity(),
  api: () => benchApi(quick ? { cases: 10_000 } : {}),
};

const results: Record<string, unknown> = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version, date: new Date().toISOString() },
};
for (const [name, run] of Object.entries(groups)) {
  if (!want(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  results[name] = await run();
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
