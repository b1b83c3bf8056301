import { z } from 'zod';
import { WritError } from '../errors/index.ts';
import { BUILT_IN_BRANDS, type Brand } from './indicators/brands.ts';
import { DEFAULT_MODEL, parseModel, type VerdictModel } from './verdict/model.ts';

/** Bounds on the work one message may cause. Exceeding one is recorded and routed, never a crash. */
export interface MailLimits {
  /** Raw message size; larger messages get a header-only analysis. */
  maxBytes: number;
  /** MIME parts (estimated before parsing, counted after). */
  maxParts: number;
  /** MIME nesting depth (multiparts and embedded messages). */
  maxDepth: number;
  /** Total header bytes across all parts. */
  maxHeaderBytes: number;
  /** Wall time for one message; checked between stages, so the bound is cooperative. */
  maxTimeMs: number;
  /** HTML characters scanned for links and forms. */
  maxHtmlChars: number;
  /** Distinct URLs kept. */
  maxUrls: number;
  /** Images decoded for QR codes. */
  maxImages: number;
  /**
   * Pixels of one image decoded for QR codes; larger images are recorded (limit
   * `image-pixels`) and not decoded. The image decoders are pure JavaScript and cost tens of
   * milliseconds per megapixel, so this bound sets most of an image-heavy message's cost.
   */
  maxImagePixels: number;
  /** Bytes of one attachment inspected for content (macros, links, archive directories). */
  maxAttachmentScanBytes: number;
}

export const DEFAULT_LIMITS: Readonly<MailLimits> = Object.freeze({
  maxBytes: 25 * 1024 * 1024,
  maxParts: 500,
  maxDepth: 20,
  maxHeaderBytes: 1024 * 1024,
  maxTimeMs: 5000,
  maxHtmlChars: 2 * 1024 * 1024,
  maxUrls: 500,
  maxImages: 8,
  maxImagePixels: 1_000_000,
  maxAttachmentScanBytes: 10 * 1024 * 1024,
});

export interface IndicatorList {
  domains?: string[];
  urls?: string[];
  sha256?: string[];
  addresses?: string[];
}

export interface SimulationOptions {
  /** Built-in vendors (see SIMULATION_VENDORS) whose markers mean "our own awareness campaign". */
  ownVendors?: string[];
  /** The organisation's own marker headers; a value, when given, must match exactly. */
  ownMarkers?: { header: string; value?: string }[];
}

export interface Thresholds {
  /** P(malicious) at or above which a message is contained without an analyst. */
  autoContain: number;
  /** P(malicious) at or below which a report is closed as safe without an analyst. */
  autoClose: number;
}

export interface MailOptions {
  limits?: Partial<MailLimits>;
  /** The organisation's own domains: lookalikes of these are flagged; spoofs of them are routed. */
  organisationDomains?: string[];
  /** Brands added to the built-in list of often-impersonated brands. */
  brands?: Brand[];
  knownBad?: IndicatorList;
  knownGood?: IndicatorList;
  simulations?: SimulationOptions;
  /** Defaults to the thresholds chosen when the model was fitted. */
  thresholds?: Partial<Thresholds>;
  /** Distinct pieces of evidence the model needs before it contains anything (default 2). */
  minContainEvidence?: number;
  model?: VerdictModel;
  /** Decode QR codes in images (default true). */
  qr?: boolean;
  /** Clock for provenance timestamps. */
  now?: () => Date;
}

interface NormalisedList {
  domains: ReadonlySet<string>;
  urls: ReadonlySet<string>;
  sha256: ReadonlySet<string>;
  addresses: ReadonlySet<string>;
}

export interface CompiledMailOptions {
  readonly compiled: true;
  readonly limits: Readonly<MailLimits>;
  readonly organisationDomains: readonly string[];
  readonly brands: readonly Brand[];
  readonly knownBad: NormalisedList;
  readonly knownGood: NormalisedList;
  readonly ownVendors: ReadonlySet<string>;
  readonly ownMarkers: readonly { header: string; value?: string }[];
  readonly thresholds: Readonly<Thresholds>;
  readonly minContainEvidence: number;
  readonly model: VerdictModel;
  readonly qr: boolean;
  readonly now: () => Date;
}

const positiveInt = z.number().int().positive();
const limitsSchema = z
  .object({
    maxBytes: positiveInt,
    maxParts: positiveInt,
    maxDepth: positiveInt.max(256),
    maxHeaderBytes: positiveInt,
    maxTimeMs: positiveInt,
    maxHtmlChars: positiveInt,
    maxUrls: positiveInt,
    maxImages: z.number().int().min(0),
    maxImagePixels: positiveInt,
    maxAttachmentScanBytes: positiveInt,
  })
  .partial()
  .strict();
const listSchema = z
  .object({
    domains: z.array(z.string()),
    urls: z.array(z.string()),
    sha256: z.array(z.string()),
    addresses: z.array(z.string()),
  })
  .partial()
  .strict();
const probability = z.number().min(0).max(1);

const optionsSchema = z
  .object({
    limits: limitsSchema.optional(),
    organisationDomains: z.array(z.string().min(1)).optional(),
    brands: z
      .array(z.object({ name: z.string().min(1), tokens: z.array(z.string().min(3)), domains: z.array(z.string().min(1)) }).strict())
      .optional(),
    knownBad: listSchema.optional(),
    knownGood: listSchema.optional(),
    simulations: z
      .object({
        ownVendors: z.array(z.string()).optional(),
        ownMarkers: z.array(z.object({ header: z.string().min(1), value: z.string().optional() }).strict()).optional(),
      })
      .strict()
      .optional(),
    thresholds: z.object({ autoContain: probability, autoClose: probability }).partial().strict().optional(),
    minContainEvidence: z.number().int().min(1).max(10).optional(),
    model: z.unknown().optional(),
    qr: z.boolean().optional(),
    now: z.function().optional(),
  })
  .strict();

const lower = (values: string[] | undefined): string[] => (values ?? []).map((v) => v.trim().toLowerCase()).filter(Boolean);

function normaliseList(list: IndicatorList | undefined): NormalisedList {
  return {
    domains: new Set(lower(list?.domains).map((d) => d.replace(/^\*\./, '').replace(/\.$/, ''))),
    urls: new Set(lower(list?.urls)),
    sha256: new Set(lower(list?.sha256)),
    addresses: new Set(lower(list?.addresses)),
  };
}

const cache = new WeakMap<MailOptions, CompiledMailOptions>();

/** Defaults and validation in one place; the result is frozen and reusable for every message. */
export function compileMailOptions(options: MailOptions | CompiledMailOptions = {}): CompiledMailOptions {
  if ('compiled' in options && options.compiled === true) return options;
  const raw = options as MailOptions;
  const hit = cache.get(raw);
  if (hit) return hit;
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WritError('WRIT_INPUT_INVALID', `mail options: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const model = raw.model === undefined ? DEFAULT_MODEL : parseModel(raw.model);
  const thresholds = { ...model.thresholds, ...raw.thresholds };
  if (thresholds.autoClose >= thresholds.autoContain) {
    throw new WritError('WRIT_INPUT_INVALID', 'mail options: thresholds.autoClose must be below thresholds.autoContain');
  }
  const compiled: CompiledMailOptions = Object.freeze({
    compiled: true as const,
    limits: Object.freeze({ ...DEFAULT_LIMITS, ...raw.limits }),
    organisationDomains: Object.freeze(lower(raw.organisationDomains)),
    brands: Object.freeze([...BUILT_IN_BRANDS, ...(raw.brands ?? [])]),
    knownBad: normaliseList(raw.knownBad),
    knownGood: normaliseList(raw.knownGood),
    ownVendors: new Set(lower(raw.simulations?.ownVendors)),
    ownMarkers: Object.freeze((raw.simulations?.ownMarkers ?? []).map((m) => ({ ...m, header: m.header.toLowerCase() }))),
    thresholds: Object.freeze(thresholds),
    minContainEvidence: raw.minContainEvidence ?? 2,
    model,
    qr: raw.qr ?? true,
    now: raw.now ?? (() => new Date()),
  });
  cache.set(raw, compiled);
  return compiled;
}
