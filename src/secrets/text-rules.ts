import { isSecretName } from './secret-names.ts';

/**
 * Finds secret-shaped substrings in free text (log lines, error messages, stored bodies)
 * and replaces each by `mark(secret)`, keeping the text around it.
 *
 * Every rule is linear in the text: repetitions that could run far are bounded, and where a
 * field name decides, the name is checked before its value is scanned, so a long run of
 * `a:a:a:…` costs one short look per name rather than a scan to the end each time.
 */
export function redactSecretsInText(text: string, mark: (secret: string) => string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let out = text;
  for (const rule of TEXT_RULES) out = applyRule(out, rule, mark);
  return out;
}

interface TextRule {
  /** Global. Matches `pre` (kept) then the secret, or, with `value`, `pre` alone. */
  pattern: RegExp;
  /** Sticky. The secret, read where `pattern` ended, once its `name` group is a secret name. */
  value?: RegExp;
  /** Extra check on the secret, for shapes that could also be prose. */
  accept?: (secret: string) => boolean;
}

/**
 * A superset of what every rule below needs to match: a name-value separator (the named,
 * header and URL rules), or the start of a known token shape. Most strings in a ledger entry
 * (ids, addresses, subjects) have none, and skip the rules entirely.
 */
const MAY_HOLD_SECRET = /[:=]|-----BEGIN|bearer|basic|eyJ|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposre]-|[rs]k_(?:live|test)_|sk-|AIza|npm_/i;

/** Header names whose own rules below take the whole value (scheme word included). */
const HEADER_NAME = /^(?:proxy-)?authorization$|^(?:set-)?cookie$/i;

function applyRule(text: string, rule: TextRule, mark: (secret: string) => string): string {
  const { pattern, value } = rule;
  pattern.lastIndex = 0;
  let out = '';
  let copied = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const name = m.groups?.name;
    let pre: string;
    let secret: string | undefined;
    if (value) {
      pre = m[0];
      if (name !== undefined && (!isSecretName(name) || HEADER_NAME.test(name))) {
        // Resume after the name and separator: its value may still hold a secret (a URL
        // with ?token=…), and the next name starts there at the earliest.
        pattern.lastIndex = m.index + Math.max(1, pre.length);
        continue;
      }
      value.lastIndex = m.index + pre.length;
      secret = value.exec(text)?.[0];
    } else {
      pre = m.groups?.pre ?? '';
      secret = m.groups?.secret ?? m[0].slice(pre.length);
    }
    if (!secret || secret.startsWith('[redacted') || (rule.accept && !rule.accept(secret))) {
      pattern.lastIndex = m.index + Math.max(1, pre.length);
      continue;
    }
    const start = m.index + pre.length;
    out += text.slice(copied, start) + mark(secret);
    copied = start + secret.length;
    pattern.lastIndex = copied;
  }
  return out + text.slice(copied);
}

/** A bearer/basic credential rather than a word: has a digit or symbol, or is long. */
function tokenLike(min: number) {
  return (secret: string): boolean => {
    const core = secret.replace(/[.,]+$/, '');
    return core.length >= min && (/[0-9\-_~+/=.]/.test(core) || core.length >= 24);
  };
}

// A name starts a word (the lookbehind), so a long word is tried once, not at every letter.
const NAME = String.raw`(?<![\w.\-])(?<name>[A-Za-z_][\w.\-]{0,63})["']?\s{0,8}[=:]\s{0,8}`;

// Order matters: whole blocks and headers first, so later rules meet their markers (which
// every rule skips), not their contents.
const TEXT_RULES: readonly TextRule[] = [
  // PEM private keys (PKCS#1/#8, EC, OpenSSH, PGP); a truncated block is redacted to the end.
  {
    pattern:
      /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  // Header values, whatever their scheme: the credential after the scheme word; all cookies.
  {
    pattern:
      /(?<pre>\b(?:proxy-)?authorization["']?\s{0,8}[:=]\s{0,8}["']?(?:(?:Bearer|Basic|Digest|Token|Negotiate|NTLM|ApiKey|SSWS|Splunk)\s+)?)(?<secret>[^\s"',;]+)/gi,
  },
  { pattern: /(?<pre>\b(?:set-)?cookie["']?\s{0,8}[:=]\s{0,8}["']?)(?<secret>[^\r\n"']+)/gi },
  // Scheme credentials in free text.
  { pattern: /(?<pre>\bBearer\s+)(?<secret>[A-Za-z0-9\-._~+/]+=*)/gi, accept: tokenLike(8) },
  { pattern: /(?<pre>\bBasic\s+)(?<secret>[A-Za-z0-9+/]+={0,2})/g, accept: tokenLike(8) },
  // Well-known token formats.
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,3}/g }, // JWT, JWS, JWE
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g }, // AWS access key IDs
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g }, // GitHub
  { pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g }, // Slack
  { pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g }, // Stripe
  { pattern: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/g }, // OpenAI, Anthropic
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g }, // Google API keys
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/g }, // npm
  // A password in a URL's userinfo (postgres://user:pass@host), up to the authority's last "@".
  {
    pattern: /(?<pre>\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@]{0,256}:)/gi,
    value: /[^\s/?#]{1,1024}(?=@[^\s@/?#]{0,256}(?:[/?#\s]|$))/y,
  },
  // Secret-named fields inside text: JSON ("password":"x"), Python repr ('password': 'x'),
  // quoted and bare assignments (password="x", token=abc&, Pwd=x;, "pin": 1234).
  { pattern: /"(?<name>[^"\\\n]{1,100})"\s{0,8}:\s{0,8}"/g, value: /(?:[^"\\]|\\.)+(?=")/y },
  { pattern: /'(?<name>[^'\\\n]{1,100})'\s{0,8}:\s{0,8}'/g, value: /(?:[^'\\]|\\.)+(?=')/y },
  { pattern: new RegExp(`${NAME}"`, 'g'), value: /[^"\n]+(?=")/y },
  { pattern: new RegExp(`${NAME}'`, 'g'), value: /[^'\n]+(?=')/y },
  { pattern: new RegExp(NAME, 'g'), value: /[^\s&;,"'<>[\]{}()]+/y },
];
