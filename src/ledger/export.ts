import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { WritError } from '../errors/index.ts';
import type { Store } from '../store/index.ts';
import type { Ledger } from './ledger.ts';

const PAGE = 5000;

/**
 * Writes the ledger as JSON Lines: each entry line is the entry's canonical bytes exactly
 * as hashed, each checkpoint line `{"checkpoint": "<signed note>"}` follows the entry that
 * completes its tree size. The head is checkpointed first so the export is fully signed.
 * The file appears only when complete (written aside, then renamed).
 */
export async function exportLedger(store: Store, ledger: Ledger, path: string): Promise<{ entries: number; checkpoints: number }> {
  await ledger.checkpoint();
  const latest = await ledger.latestCheckpoint();
  const size = latest?.treeSize ?? 0;
  const checkpoints = await store.db
    .selectFrom('ledger_checkpoints')
    .select(['tree_size', 'note'])
    .where('tree_size', '<=', size)
    .orderBy('tree_size')
    .execute();
  const partial = `${path}.partial-${process.pid}`;
  const out = createWriteStream(partial, { flags: 'wx', mode: 0o644 });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  try {
    await once(out, 'open');
    let next = 0;
    let written = 0;
    for (let from = 0; from < size; from += PAGE) {
      const rows = await store.db
        .selectFrom('ledger_entries')
        .select(['seq', 'body'])
        .where('seq', '>=', from)
        .where('seq', '<', Math.min(from + PAGE, size))
        .orderBy('seq')
        .execute();
      for (const row of rows) {
        await write(row.body);
        written += 1;
        while (next < checkpoints.length && checkpoints[next]!.tree_size === written) {
          await write(JSON.stringify({ checkpoint: checkpoints[next]!.note }));
          next += 1;
        }
      }
    }
    out.end();
    await once(out, 'finish');
    renameSync(partial, path);
    return { entries: written, checkpoints: next };
  } catch (error) {
    out.destroy();
    rmSync(partial, { force: true });
    if ((error as NodeJS.ErrnoException).code) {
      throw new WritError('WRIT_INPUT_INVALID', `cannot write ${path}: ${(error as NodeJS.ErrnoException).code}`);
    }
    throw error;
  }
}
