// Mail triage throughput on one core: messages/s through parse + indicators + verdict, and
// the bare parser's rate on the same messages. Uses ../shared/data/mail (train/ and test/)
// when present, else a generated corpus. Run alone: node --import tsx bench/mail.ts
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PostalMime from 'postal-mime';
import { analyseMessage, clearMailCaches, compileMailOptions } from '../src/mail/index.ts';
import { generateCorpus } from '../src/mail/testing/fixtures.ts';

// WRIT_BENCH_MAIL_CORPUS points elsewhere (or at nothing, to use generated mail)
const CORPUS = process.env.WRIT_BENCH_MAIL_CORPUS ?? fileURLToPath(new URL('../../shared/data/mail', import.meta.url));

function listEml(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listEml(p) : n.endsWith('.eml') ? [p] : [];
  });
}

/** CPU seconds of this process: on a shared machine, wall time measures the neighbours too. */
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Timing {
  wall: number;
  cpu: number;
}

async function timeParser(messages: Buffer[]): Promise<Timing> {
  const options = compileMailOptions({});
  const parserOptions = { maxNestingDepth: options.limits.maxDepth, maxHeadersSize: options.limits.maxHeaderBytes, attachmentEncoding: 'arraybuffer' as const };
  const t = performance.now();
  const c = cpuSeconds();
  for (const m of messages) await PostalMime.parse(m, parserOptions);
  return { wall: (performance.now() - t) / 1000, cpu: cpuSeconds() - c };
}

async function timePipeline(messages: Buffer[]): Promise<Timing & { p99: number }> {
  const options = compileMailOptions({});
  clearMailCaches(); // each pass starts cold, as a first look at these messages would
  const each: number[] = [];
  const t = performance.now();
  const c = cpuSeconds();
  for (const m of messages) {
    const s = performance.now();
    await analyseMessage(m, options);
    each.push(performance.now() - s);
  }
  const cpu = cpuSeconds() - c;
  const wall = (performance.now() - t) / 1000;
  each.sort((a, b) => a - b);
  return { wall, cpu, p99: each[Math.floor(each.length * 0.99)] ?? 0 };
}

export async function benchMail(): Promise<Record<string, number>> {
  const quick = process.env.BENCH_QUICK === '1';
  const files = ['train', 'test'].flatMap((d) => listEml(join(CORPUS, d)));
  const fromCorpus = files.length > 0;
  const messages = fromCorpus ? files.map((f) => readFileSync(f)) : generateCorpus(quick ? 200 : 1000);
  // warm the JIT on other messages, so neither side is measured while still compiling
  const warm = generateCorpus(quick ? 50 : 300, 7);
  await timeParser(warm);
  await timePipeline(warm);
  // alternate the two and keep each side's best pass: the machine may be shared
  const rounds = quick ? 1 : 5;
  let parser: Timing = { wall: Infinity, cpu: Infinity };
  let pipeline: Timing & { p99: number } = { wall: Infinity, cpu: Infinity, p99: 0 };
  for (let r = 0; r < rounds; r++) {
    const a = await timeParser(messages);
    if (a.cpu < parser.cpu) parser = a;
    const b = await timePipeline(messages);
    if (b.cpu < pipeline.cpu) pipeline = b;
  }
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  const rate = (seconds: number) => Math.round(messages.length / seconds);
  return {
    'mail.corpus': fromCorpus ? 1 : 0,
    'mail.messages': messages.length,
    'mail.megabytes': Math.round(bytes / 1e5) / 10,
    // per CPU-second of the one thread doing the work: "messages/s on one core"
    'mail.parser_msgs_per_s': rate(parser.cpu),
    'mail.pipeline_msgs_per_s': rate(pipeline.cpu),
    'mail.pipeline_share_of_parser': Math.round((parser.cpu / pipeline.cpu) * 1000) / 1000,
    // the same passes by the wall clock, which a busy machine slows down
    'mail.parser_msgs_per_s_wall': rate(parser.wall),
    'mail.pipeline_msgs_per_s_wall': rate(pipeline.wall),
    'mail.pipeline_p99_ms': Math.round(pipeline.p99 * 100) / 100,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(await benchMail(), null, 2)}\n`);
}
