import { createHash } from 'node:crypto';
import { z } from 'zod';
import { WritError } from '../../errors/index.ts';
import type { Analysis } from '../types.ts';
import { campaignInput, type CampaignInput } from './keys.ts';
import { SIGNATURE_SIZE, similarity } from './minhash.ts';

export interface ClustererOptions {
  /** Estimated Jaccard similarity at or above which two bodies are near duplicates. */
  similarityThreshold?: number;
  /** LSH bands over the signature; rows per band = signature size / bands. */
  bands?: number;
  /** Signatures kept per campaign to compare newcomers against. */
  representatives?: number;
  /** Indicator keys indexed per campaign (memory bound). */
  maxKeysPerCampaign?: number;
}

export interface CampaignAssignment {
  campaignId: string;
  isNew: boolean;
  /** Distinct messages in the campaign after this one. */
  size: number;
  /** Why the message joined: `same-message`, `url:…`, `sha256:…`, `reply-to:…`, `near-duplicate:0.84`. */
  matchedBy: string[];
  /** Campaigns this message bridged, now merged into `campaignId`. */
  merged: string[];
}

export interface CampaignSummary {
  id: string;
  size: number;
  reports: number;
  members: string[];
}

interface Campaign {
  id: string;
  seq: number;
  size: number;
  reports: number;
  members: string[];
  keys: Set<string>;
  signatures: number[][];
}

const stateSchema = z.object({
  version: z.literal(1),
  options: z.object({ similarityThreshold: z.number(), bands: z.number().int(), representatives: z.number().int(), maxKeysPerCampaign: z.number().int() }),
  seq: z.number().int().min(0),
  campaigns: z.array(
    z.object({
      id: z.string(),
      seq: z.number().int(),
      size: z.number().int(),
      reports: z.number().int(),
      members: z.array(z.string()),
      keys: z.array(z.string()),
      signatures: z.array(z.string().regex(/^[0-9a-f]*$/)),
    }),
  ),
  aliases: z.array(z.tuple([z.string(), z.string()])),
});

export type ClustererState = z.infer<typeof stateSchema>;

const toHex = (sig: number[]) => sig.map((n) => n.toString(16).padStart(8, '0')).join('');
const fromHex = (hex: string) => Array.from({ length: hex.length / 8 }, (_, i) => parseInt(hex.slice(i * 8, i * 8 + 8), 16));

/**
 * Groups reports into campaigns by shared indicators and near-duplicate bodies
 * (MinHash with LSH banding). Ids are derived from the founding message's fingerprint,
 * so the same messages added in the same order always give the same ids; when a message
 * bridges two campaigns, the older one absorbs the younger and the younger's id becomes
 * an alias (see `resolve`). The whole state serialises with `toJSON` / `fromJSON`.
 */
export class CampaignClusterer {
  private readonly options: Required<ClustererOptions>;
  private readonly rows: number;
  private seq = 0;
  private readonly campaignsById = new Map<string, Campaign>();
  private readonly keyIndex = new Map<string, string>();
  private readonly bandIndex = new Map<string, Set<string>>();
  private readonly memberIndex = new Map<string, string>();
  private readonly aliases = new Map<string, string>();

  constructor(options: ClustererOptions = {}) {
    const { similarityThreshold = 0.6, bands = 16, representatives = 4, maxKeysPerCampaign = 2000 } = options;
    if (!(similarityThreshold > 0 && similarityThreshold <= 1) || SIGNATURE_SIZE % bands !== 0 || representatives < 1 || maxKeysPerCampaign < 1) {
      throw new WritError('WRIT_INPUT_INVALID', 'campaign clusterer: invalid options');
    }
    this.options = Object.freeze({ similarityThreshold, bands, representatives, maxKeysPerCampaign });
    this.rows = SIGNATURE_SIZE / bands;
  }

  /** Assigns one message (an Analysis, or just its keys and signature) to a campaign. */
  add(message: Analysis | CampaignInput): CampaignAssignment {
    const input = 'indicators' in message ? campaignInput(message) : message;
    const known = this.memberIndex.get(input.fingerprint);
    if (known) {
      const c = this.campaignsById.get(this.resolve(known))!;
      c.reports++;
      return { campaignId: c.id, isNew: false, size: c.size, matchedBy: ['same-message'], merged: [] };
    }
    const matchedBy: string[] = [];
    const candidates = new Set<string>();
    for (const key of input.keys) {
      const id = this.keyIndex.get(key);
      if (id) {
        candidates.add(this.resolve(id));
        if (matchedBy.length < 5) matchedBy.push(key);
      }
    }
    const bandKeys = this.bandKeys(input.minhash);
    const near = new Set<string>();
    for (const bk of bandKeys) for (const id of this.bandIndex.get(bk) ?? []) near.add(this.resolve(id));
    for (const id of near) {
      const c = this.campaignsById.get(id)!;
      const best = Math.max(...c.signatures.map((s) => similarity(s, input.minhash)));
      if (best >= this.options.similarityThreshold) {
        candidates.add(id);
        matchedBy.push(`near-duplicate:${best.toFixed(2)}`);
      }
    }

    let target: Campaign;
    const merged: string[] = [];
    if (candidates.size === 0) {
      const id = `cmp_${createHash('sha256').update(input.fingerprint).digest('hex').slice(0, 16)}`;
      target = { id, seq: this.seq++, size: 0, reports: 0, members: [], keys: new Set(), signatures: [] };
      this.campaignsById.set(id, target);
    } else {
      const ordered = [...candidates].map((id) => this.campaignsById.get(id)!).sort((a, b) => a.seq - b.seq);
      target = ordered[0]!;
      for (const other of ordered.slice(1)) {
        this.merge(other, target);
        merged.push(other.id);
      }
    }
    this.place(target, input);
    return { campaignId: target.id, isNew: candidates.size === 0, size: target.size, matchedBy, merged };
  }

  /** The current id of a campaign, following merges. */
  resolve(id: string): string {
    let current = id;
    for (let hops = 0; hops < 1000; hops++) {
      const next = this.aliases.get(current);
      if (next === undefined) return current;
      current = next;
    }
    return current;
  }

  get(id: string): CampaignSummary | undefined {
    const c = this.campaignsById.get(this.resolve(id));
    return c ? { id: c.id, size: c.size, reports: c.reports, members: [...c.members] } : undefined;
  }

  campaigns(): CampaignSummary[] {
    return [...this.campaignsById.values()].sort((a, b) => a.seq - b.seq).map((c) => this.get(c.id)!);
  }

  toJSON(): ClustererState {
    return {
      version: 1,
      options: { ...this.options },
      seq: this.seq,
      campaigns: [...this.campaignsById.values()]
        .sort((a, b) => a.seq - b.seq)
        .map((c) => ({ id: c.id, seq: c.seq, size: c.size, reports: c.reports, members: [...c.members], keys: [...c.keys], signatures: c.signatures.map(toHex) })),
      aliases: [...this.aliases.entries()],
    };
  }

  static fromJSON(state: unknown): CampaignClusterer {
    const parsed = stateSchema.safeParse(state);
    if (!parsed.success) throw new WritError('WRIT_INPUT_INVALID', `campaign state: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const s = parsed.data;
    const clusterer = new CampaignClusterer(s.options);
    clusterer.seq = s.seq;
    for (const c of s.campaigns) {
      const campaign: Campaign = { ...c, keys: new Set(c.keys), signatures: c.signatures.map(fromHex) };
      clusterer.campaignsById.set(c.id, campaign);
      for (const k of c.keys) if (!clusterer.keyIndex.has(k)) clusterer.keyIndex.set(k, c.id);
      for (const m of c.members) clusterer.memberIndex.set(m, c.id);
      for (const sig of campaign.signatures) for (const bk of clusterer.bandKeys(sig)) clusterer.indexBand(bk, c.id);
    }
    for (const [from, to] of s.aliases) clusterer.aliases.set(from, to);
    return clusterer;
  }

  private bandKeys(sig: readonly number[]): string[] {
    if (sig.length !== SIGNATURE_SIZE) return [];
    const out: string[] = [];
    for (let b = 0; b < this.options.bands; b++) out.push(`${b}:${sig.slice(b * this.rows, (b + 1) * this.rows).join(',')}`);
    return out;
  }

  private indexBand(bandKey: string, id: string): void {
    let set = this.bandIndex.get(bandKey);
    if (!set) this.bandIndex.set(bandKey, (set = new Set()));
    set.add(id);
  }

  private place(target: Campaign, input: CampaignInput): void {
    target.size++;
    target.reports++;
    target.members.push(input.fingerprint);
    this.memberIndex.set(input.fingerprint, target.id);
    for (const key of input.keys) {
      if (target.keys.size >= this.options.maxKeysPerCampaign) break;
      target.keys.add(key);
      if (!this.keyIndex.has(key)) this.keyIndex.set(key, target.id);
    }
    if (input.minhash.length === SIGNATURE_SIZE && target.signatures.length < this.options.representatives) {
      target.signatures.push([...input.minhash]);
      for (const bk of this.bandKeys(input.minhash)) this.indexBand(bk, target.id);
    }
  }

  private merge(from: Campaign, into: Campaign): void {
    into.size += from.size;
    into.reports += from.reports;
    into.members.push(...from.members);
    for (const m of from.members) this.memberIndex.set(m, into.id);
    for (const k of from.keys) {
      if (into.keys.size < this.options.maxKeysPerCampaign) into.keys.add(k);
      this.keyIndex.set(k, into.id);
    }
    for (const sig of from.signatures) {
      for (const bk of this.bandKeys(sig)) {
        const set = this.bandIndex.get(bk);
        set?.delete(from.id);
        if (into.signatures.length < this.options.representatives) set?.add(into.id);
      }
      if (into.signatures.length < this.options.representatives) into.signatures.push(sig);
    }
    this.campaignsById.delete(from.id);
    this.aliases.set(from.id, into.id);
  }
}
