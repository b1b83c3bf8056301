import { UBIQUITOUS_DOMAINS, BUILT_IN_BRANDS } from '../indicators/brands.ts';
import type { Analysis } from '../types.ts';

/** What the clusterer needs from one analysed message. */
export interface CampaignInput {
  fingerprint: string;
  /** Shared-indicator keys: `sha256:…`, `url:host/path`, `reply-to:address`. */
  keys: string[];
  minhash: number[];
}

const BRAND_DOMAINS = new Set(BUILT_IN_BRANDS.flatMap((b) => b.domains));
const SPECIFIC_PATH = 16;

/**
 * The indicators two messages of one campaign share, chosen so that they do not also join
 * a legitimate message to a malicious one: never the From address (spoofed freely), never
 * images (logos are copied from the brands they imitate), never a bare link to a brand or
 * a very common site, only a specific resource on one (a particular form or document).
 */
export function campaignKeys(analysis: Pick<Analysis, 'indicators'>): string[] {
  const keys = new Set<string>();
  let fromDomain = '';
  for (const i of analysis.indicators) if (i.kind === 'address' && i.role === 'from') fromDomain = i.domain;
  for (const i of analysis.indicators) {
    if (i.kind === 'attachment' && !i.trueType.match(/^(png|jpeg|gif)$/) && i.size > 0) {
      keys.add(`sha256:${i.sha256}`);
    } else if (i.kind === 'url' && i.host && !i.flags.includes('script-scheme')) {
      let path = '';
      try {
        path = new URL(i.url).pathname.replace(/\/+$/, '');
      } catch {
        continue;
      }
      const common = UBIQUITOUS_DOMAINS.has(i.domain) || BRAND_DOMAINS.has(i.domain);
      if (common && path.length < SPECIFIC_PATH) continue;
      keys.add(`url:${i.host}${path}`);
    } else if (i.kind === 'address' && i.role === 'reply-to' && i.address && i.domain !== fromDomain) {
      keys.add(`reply-to:${i.address}`);
    }
  }
  return [...keys].sort();
}

export function campaignInput(analysis: Pick<Analysis, 'indicators' | 'fingerprint' | 'similarity'>): CampaignInput {
  return { fingerprint: analysis.fingerprint, keys: campaignKeys(analysis), minhash: analysis.similarity.minhash };
}
