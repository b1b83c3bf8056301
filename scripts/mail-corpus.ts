/**
 * Loads the shared labelled mail corpus (../shared/data/mail) for the verdict scripts.
 * Read only; nothing from it is written into the repository except fitted weights and
 * aggregate figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseMessage, compileMailOptions, stripTransportHeaders, type Analysis, type MailOptions } from '../src/mail/index.ts';

export const DEFAULT_CORPUS = fileURLToPath(new URL('../../shared/data/mail', import.meta.url));

export interface CorpusItem {
  /** Path relative to the corpus root, e.g. `train/phish/0123abcd.eml`. */
  file: string;
  split: 'train' | 'test';
  /** 1 = phishing, 0 = legitimate. */
  label: 0 | 1;
  /** phishing, easy-ham, hard-ham, modern-list. */
  group: string;
}

/** The corpus as its manifest lists it (the manifest's order, filtered to one split). */
export function loadCorpus(split: 'train' | 'test', root = DEFAULT_CORPUS): CorpusItem[] {
  const manifest = join(root, 'manifest.csv');
  if (!existsSync(manifest)) {
    throw new Error(`no corpus at ${root}: pass its path as the first argument`);
  }
  const lines = readFileSync(manifest, 'utf8').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  const items: CorpusItem[] = [];
  for (const line of lines.slice(1)) {
    // the source column may hold commas inside parentheses; the fields used here do not
    const fields = line.split(',');
    const file = fields[col('file')]!;
    if (!file.startsWith(`${split}/`)) continue;
    const label = fields[col('label')] === 'phishing' ? 1 : 0;
    const group = label === 1 ? 'phishing' : (fields[fields.length - 1] || 'ham').replace(/-1$/, '');
    items.push({ file, split, label, group });
  }
  return items.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/**
 * The honeypot replaced each victim's address with "phishing@pot", which is not a valid
 * address; where a scam was sent "from" its victim, the From header carries it too. No real
 * mail does, so a valid placeholder is restored before analysis: otherwise the From-validity
 * check would learn the collector's anonymisation rather than the attacker's behaviour.
 */
export function neutraliseCollectorArtefacts(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  return text.includes('phishing@pot') ? Buffer.from(text.replaceAll('phishing@pot', 'user@example.org'), 'latin1') : raw;
}

export interface Scored extends CorpusItem {
  analysis: Analysis;
}

/** Analyses every item, as received or with transport/auth/list/date headers stripped. */
export async function analyseCorpus(items: CorpusItem[], options: MailOptions, strip: boolean, root = DEFAULT_CORPUS): Promise<Scored[]> {
  const compiled = compileMailOptions({ ...options, now: () => new Date(0) });
  const out: Scored[] = [];
  for (const item of items) {
    const raw = neutraliseCollectorArtefacts(readFileSync(join(root, item.file)));
    out.push({ ...item, analysis: await analyseMessage(strip ? stripTransportHeaders(raw) : raw, compiled) });
  }
  return out;
}

export const corpusRoot = (arg: string | undefined) => (arg ? resolve(arg) : DEFAULT_CORPUS);
