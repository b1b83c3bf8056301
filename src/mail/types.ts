/**
 * The shapes the mail triage produces. Everything here is plain data (JSON-serialisable),
 * so an analysis can be stored, ledgered or sent over the API as it is.
 */

/** Where an indicator came from. */
export const INDICATOR_SOURCES = ['header', 'body', 'html', 'attachment', 'qr'] as const;
export type IndicatorSource = (typeof INDICATOR_SOURCES)[number];

export interface Provenance {
  /** The extractor that produced the indicator, e.g. `urls.html-anchor`. */
  extractor: string;
  source: IndicatorSource;
  /** When it was extracted (ISO 8601); the analysis clock, injectable for reproducible output. */
  at: string;
  /** Where inside the message: a header name, `attachment[2] invoice.html`, `a[4]`. */
  location?: string;
}

export type AddressRole = 'from' | 'sender' | 'reply-to' | 'return-path';

export interface AddressIndicator {
  kind: 'address';
  role: AddressRole;
  address: string;
  displayName: string;
  /** Registrable domain (private suffixes honoured), lower case; '' when none. */
  domain: string;
  provenance: Provenance;
}

export type AuthMethod = 'spf' | 'dkim' | 'dmarc' | 'arc' | 'compauth';

export interface AuthIndicator {
  kind: 'auth';
  method: AuthMethod;
  /** pass, fail, softfail, none, neutral, temperror, permerror, bestguesspass, ... */
  result: string;
  /** The domain the result speaks for (header.from, header.d, smtp.mailfrom), if given. */
  domain: string;
  /** 0 for the topmost Authentication-Results (added by the receiving server), then 1, 2, ... */
  index: number;
  provenance: Provenance;
}

export interface ReceivedIndicator {
  kind: 'received';
  /** 0 is the topmost (last) hop. */
  hop: number;
  from: string;
  by: string;
  ip: string;
  date: string;
  provenance: Provenance;
}

export interface UrlIndicator {
  kind: 'url';
  url: string;
  host: string;
  domain: string;
  isIp: boolean;
  /** `userinfo`, `ip-host`, `script-scheme`, `credential-path`, `shortener`, `cloud-hosted`, `punycode`, `port`. */
  flags: string[];
  /** Visible text of an HTML anchor, when the URL came from one. */
  text?: string;
  /** The anchor's visible text names another domain than the one it links to. */
  textMismatch: boolean;
  provenance: Provenance;
}

export type LookalikeTechnique = 'homoglyph' | 'edit-distance' | 'brand-in-name' | 'mixed-script';

export interface LookalikeIndicator {
  kind: 'lookalike';
  domain: string;
  /** The organisation domain or brand it imitates. */
  target: string;
  targetKind: 'organisation' | 'brand';
  technique: LookalikeTechnique;
  /** Which indicator it was found on. */
  on: 'from' | 'reply-to' | 'url' | 'display-name';
  provenance: Provenance;
}

export interface AttachmentIndicator {
  kind: 'attachment';
  filename: string;
  declaredType: string;
  /** Type from magic bytes, e.g. `pdf`, `zip`, `ole2`, `html`, `iso`, `unknown`. */
  trueType: string;
  sha256: string;
  size: number;
  /** Risk labels, e.g. `html`, `svg`, `iso`, `lnk`, `macro-office`, `encrypted-archive`. */
  risky: string[];
  /** Extension and true type disagree (e.g. `invoice.pdf` that is a zip). */
  typeMismatch: boolean;
  provenance: Provenance;
}

export const LURE_CATEGORIES = ['urgency', 'credentials', 'payment', 'threat', 'reward', 'delivery', 'greeting'] as const;
export type LureCategory = (typeof LURE_CATEGORIES)[number];

export interface LureIndicator {
  kind: 'lure';
  category: LureCategory;
  phrase: string;
  provenance: Provenance;
}

export interface ListMatchIndicator {
  kind: 'list-match';
  list: 'known-bad' | 'known-good';
  what: 'domain' | 'url' | 'sha256' | 'address';
  value: string;
  provenance: Provenance;
}

export interface SimulationIndicator {
  kind: 'simulation';
  vendor: string;
  /** The organisation declared this vendor (or marker) as its own awareness programme. */
  own: boolean;
  marker: string;
  provenance: Provenance;
}

export interface AnomalyIndicator {
  kind: 'anomaly';
  /** e.g. `header-injection`, `invalid-utf8`, `mixed-script`, `zero-width`, `credential-form`, `script`. */
  code: string;
  detail: string;
  provenance: Provenance;
}

export type Indicator =
  | AddressIndicator
  | AuthIndicator
  | ReceivedIndicator
  | UrlIndicator
  | LookalikeIndicator
  | AttachmentIndicator
  | LureIndicator
  | ListMatchIndicator
  | SimulationIndicator
  | AnomalyIndicator;

export type IndicatorKind = Indicator['kind'];

/** A configured bound that the message reached; the analysis is then incomplete. */
export interface LimitHit {
  /** `size`, `parts`, `depth`, `headers`, `time`, `html`, `urls`, `images`, `attachment-bytes`. */
  limit: string;
  /** The configured bound and what was observed (observed may be a lower bound). */
  max: number;
  observed: number;
}

export const VERDICTS = ['safe', 'malicious', 'uncertain'] as const;
export type VerdictLabel = (typeof VERDICTS)[number];

export interface Reason {
  /** Stable code, e.g. `url.text_mismatch`, `limit:size`, `simulation:own`, `known-bad:domain`. */
  code: string;
  /** One line a person can read. */
  detail: string;
  /** Contribution to the model's log-odds, when the reason is a model feature. */
  contribution?: number;
}

export interface Verdict {
  verdict: VerdictLabel;
  /** Calibrated probability that the message is malicious. */
  probability: number;
  /** Probability that the stated verdict is right: p for malicious, 1 − p for safe; p for uncertain. */
  confidence: number;
  /** What decided: the model and thresholds, or a rule that overrides them. */
  decidedBy: 'model' | 'rule';
  reasons: Reason[];
}

export interface Analysis {
  /** sha256 of the raw bytes: the identity of exactly this file. */
  sha256: string;
  /**
   * Stable identity of the message across re-deliveries and re-reports (Message-ID, sender,
   * subject and body digest), for deduplicating reports of one message.
   */
  fingerprint: string;
  size: number;
  messageId: string;
  subject: string;
  from: string;
  date: string;
  indicators: Indicator[];
  /** Named model inputs with their values, for explanation and for refitting. */
  features: Record<string, number>;
  limits: LimitHit[];
  /** Parse problems that did not stop the analysis, and the one that did. */
  errors: string[];
  /** Near-duplicate signature of the normalised body, for campaign clustering. */
  similarity: { minhash: number[] };
  verdict: Verdict;
  elapsedMs: number;
}
