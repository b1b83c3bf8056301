import type { LureCategory } from '../types.ts';

/**
 * Phrases that pressure a reader into acting: urgency, handing over credentials, paying,
 * fear for an account, a prize, a parcel that cannot be delivered, and the impersonal
 * greeting of mass mail. Written from general knowledge of phishing in English,
 * Portuguese, Spanish, German, French and Dutch (accents
 * are removed before matching); not derived from any corpus. Only phrases that push towards
 * action are listed, so a message cannot lower its score by adding words: the verdict
 * model's weights on these counts are constrained to be non-negative.
 */
const LEXICON: Record<LureCategory, string[]> = {
  urgency: [
    'urgent', 'urgently', 'immediate action', 'action required', 'action needed', 'act now', 'respond now', 'within 24 hours',
    'within 48 hours', 'final notice', 'final warning', 'last warning', 'last chance', 'last reminder', 'expires today',
    'will expire', 'expiring soon', 'limited time', 'dont miss', "don't miss", 'today only', 'without delay', 'hurry',
    'urgente', 'imediatamente', 'ultimas horas', 'ultima chance', 'expira hoje', 'nao perca', 'inmediatamente',
    'ultima oportunidad', 'dringend', 'letzte mahnung', 'letzte chance', 'innerhalb von 24 stunden', 'nur heute',
    'immediatement', 'dernier avis', 'derniere chance', 'expire aujourd', "don't wait", 'dont wait', 'ends today', 'ends tonight',
    'only today', 'act fast', 'offer expires', 'while supplies last', 'laatste kans', 'vandaag nog', 'nur noch heute',
    'jetzt handeln', 'nicht verpassen', 'ne manquez pas', 'no se lo pierda', 'no te lo pierdas',
  ],
  credentials: [
    'verify your account', 'verify your identity', 'verify your email', 'confirm your account', 'confirm your identity',
    'confirm your email', 'confirm your details', 'update your account', 'update your information', 'update your details',
    'update your payment', 'validate your', 'sign in now', 'login now', 'log in now', 'password will expire', 'password expires',
    'password has expired', 'reset your password', 'reactivate your', 'unlock your account', 'restore access',
    'restore your account', 'verification code', 'one-time code', 'mailbox quota', 'mailbox is full', 'storage is full',
    'senha', 'verifique sua conta', 'confirme seus dados', 'atualize seus dados', 'atualizar seus dados', 'acesse sua conta',
    'recadastramento', 'contrasena', 'verifique su cuenta', 'confirme sus datos', 'actualice sus datos', 'passwort',
    'konto bestatigen', 'konto verifizieren', 'zugangsdaten', 'daten aktualisieren', 'mot de passe', 'verifier votre compte',
    'confirmer votre compte', 'mettre a jour vos informations',
  ],
  payment: [
    'invoice', 'payment', 'wire transfer', 'bank transfer', 'overdue', 'outstanding balance', 'past due', 'refund', 'remittance',
    'purchase order', 'pay now', 'credit card', 'debit card', 'bank account', 'bitcoin', 'cryptocurrency', 'auto-renew',
    'fatura', 'pagamento', 'boleto', 'pix', 'reembolso', 'cobranca', 'cartao de credito', 'factura', 'tarjeta de credito',
    'rechnung', 'zahlung', 'uberweisung', 'ruckerstattung', 'abbuchung', 'facture', 'paiement', 'remboursement',
  ],
  threat: [
    'account has been suspended', 'account suspended', 'account will be suspended', 'temporarily suspended', 'has been suspended',
    'account has been locked', 'account locked', 'account is locked', 'temporarily locked', 'account has been limited',
    'account limited', 'account restricted', 'account has been restricted', 'account will be closed', 'account will be deleted',
    'will be deactivated', 'has been deactivated', 'account blocked', 'account has been blocked', 'account disabled',
    'unusual activity', 'suspicious activity', 'unusual sign-in', 'suspicious sign-in', 'unauthorized transaction',
    'security alert', 'legal action', 'avoid suspension', 'avoid termination', 'permanently deleted', 'permanently closed',
    'conta bloqueada', 'conta suspensa', 'sera bloqueada', 'sera suspensa', 'atividade incomum', 'atividade suspeita',
    'cuenta bloqueada', 'cuenta suspendida', 'actividad inusual', 'actividad sospechosa', 'konto gesperrt',
    'konto wurde gesperrt', 'ungewohnliche aktivitat', 'verdachtige aktivitat', 'compte suspendu', 'compte bloque',
    'activite inhabituelle', 'activite suspecte',
  ],
  reward: [
    'congratulations', 'you have won', "you've won", 'you won', 'winner', 'prize', 'reward', 'gift card', 'free gift',
    'claim your', 'you have been selected', "you've been selected", 'lottery', 'jackpot', 'bonus', 'cash prize',
    'exclusive offer', 'free iphone', 'loyalty program',
    'parabens', 'voce ganhou', 'premio', 'resgate', 'brinde', 'sorteio', 'felicidades', 'ha ganado', 'ganador', 'gewinn',
    'gewonnen', 'gluckwunsch', 'herzlichen gluckwunsch', 'gutschein', 'pramie', 'felicitations', 'vous avez gagne', 'cadeau',
    'congrats', 'giveaway', 'giving away', 'airdrop', 'free spins', 'claim now', 'claim reward', 'you are eligible',
    "you're eligible", 'belohnung', 'gratulieren', 'gewinnspiel', 'gratis', "bon d'achat", 'gagnez', 'ganhe', 'gane',
    'regalo', 'sorteo', 'gefeliciteerd', 'beloning', 'prijs gewonnen', 'cadeaubon', 'winnen',
  ],
  delivery: [
    'delivery attempt', 'delivery failed', 'failed delivery', 'unable to deliver', 'could not be delivered', 'redelivery',
    'reschedule delivery', 'schedule a redelivery', 'your parcel', 'parcel', 'shipment is on hold', 'package is on hold',
    'customs fee', 'customs duty', 'delivery fee', 'shipping fee', 'tracking number',
    'sua encomenda', 'encomenda', 'entrega pendente', 'taxa de importacao', 'objeto retido', 'su paquete', 'entrega fallida',
    'ihr paket', 'paket', 'zustellung', 'sendung', 'zollgebuhr', 'votre colis', 'colis', 'livraison', 'uw pakket', 'pakket',
    'bezorging',
  ],
  greeting: [
    'dear customer', 'dear user', 'dear client', 'dear valued', 'dear account holder', 'dear member', 'dear sir/madam',
    'dear sir or madam', 'hello user', 'dear email user', 'dear beneficiary', 'prezado cliente', 'caro cliente', 'prezado(a)',
    'estimado cliente', 'sehr geehrter kunde', 'sehr geehrte kundin', 'lieber kunde', 'liebe kundin', 'cher client', 'chere cliente',
  ],
};

const WORD = /[\p{L}\p{N}]+/gu;
const ASCII_WORD = /[a-z0-9]+/g;
const NON_ASCII = /[^\u0000-\u007f]/;

/** Words of normalised text, split the same way for the lexicon and for messages. */
function words(text: string): string[] {
  return (NON_ASCII.test(text) ? text.match(WORD) : text.match(ASCII_WORD)) ?? [];
}

interface Phrase {
  category: LureCategory;
  text: string;
  rest: string[];
}

/**
 * Phrases indexed by their first word: matching walks the message's words once and looks
 * at only the phrases that start with each word, instead of running one large alternation
 * over the text (which costs time per phrase per character).
 */
const BY_FIRST_WORD = new Map<string, Phrase[]>();
for (const category of Object.keys(LEXICON) as LureCategory[]) {
  for (const text of LEXICON[category]) {
    const [first, ...rest] = words(normaliseForMatching(text));
    if (!first) continue;
    const list = BY_FIRST_WORD.get(first) ?? [];
    list.push({ category, text, rest });
    BY_FIRST_WORD.set(first, list);
  }
}
for (const list of BY_FIRST_WORD.values()) list.sort((a, b) => b.rest.length - a.rest.length);


// Compatibility forms (fullwidth, mathematical letters) need full NFKD; plain accented Latin
// letters are folded by the cheaper table below, which is what almost all mail needs.
const NEEDS_NFKD = /[\u0300-\u036f\u1e00-\u1eff\uff00-\uffef\u{1d400}-\u{1d7ff}]/u;
const LATIN_ACCENTED = /[\u00c0-\u024f\u2018\u2019\u02bc]/g;
const foldCache = new Map<string, string>();
function fold(ch: string): string {
  let out = foldCache.get(ch);
  if (out === undefined) {
    out = ch === '\u2018' || ch === '\u2019' || ch === '\u02bc' ? "'" : ch.normalize('NFKD').replace(/\p{M}/gu, '');
    foldCache.set(ch, out);
  }
  return out;
}

// Cyrillic and Greek letters that pass for Latin ones inside otherwise Latin words
// ("Impоrtant" with a Cyrillic о): read as their Latin twins so the phrase still matches.
const CONFUSABLE_IN_WORDS: Record<string, string> = {
  а: 'a', в: 'b', с: 'c', ԁ: 'd', е: 'e', һ: 'h', і: 'i', ј: 'j', к: 'k', ӏ: 'l', м: 'm', о: 'o', р: 'p', ԛ: 'q', ѕ: 's',
  т: 't', у: 'y', х: 'x', ԝ: 'w', ο: 'o', α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
};
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLE_IN_WORDS).join('')}]`, 'g');
const MIXED_WORD = /[a-z][\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]|[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f][a-z]/;

/** Lower case, compatibility forms folded, accents removed, apostrophes made plain. */
export function normaliseForMatching(text: string): string {
  let out = text.toLowerCase();
  if (!NON_ASCII.test(out)) return out;
  // mathematical letters (𝐁𝐨𝐥𝐝) have no lower case of their own: lower again after folding
  if (NEEDS_NFKD.test(out)) out = out.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[\u2018\u2019\u02bc]/g, "'").toLowerCase();
  else out = out.replace(LATIN_ACCENTED, fold);
  // only where Latin and Cyrillic/Greek touch: genuine Russian or Greek text stays as it is
  if (MIXED_WORD.test(out)) out = out.replace(/[\p{L}]+/gu, (w) => (/[a-z]/.test(w) ? w.replace(CONFUSABLE, (c) => CONFUSABLE_IN_WORDS[c] ?? c) : w));
  return out;
}

/** Distinct lure phrases per category in already-normalised text. */
export function findLures(normalised: string): Map<LureCategory, Set<string>> {
  const found = new Map<LureCategory, Set<string>>();
  const w = words(normalised);
  // a phrase inside a longer one already found ("has been suspended" in "account has been
  // suspended") is the same evidence, not more of it
  let coveredUntil = 0;
  for (let i = 0; i < w.length; i++) {
    const candidates = BY_FIRST_WORD.get(w[i]!);
    if (!candidates) continue;
    for (const p of candidates) {
      const end = i + 1 + p.rest.length;
      if (end <= coveredUntil) continue;
      let ok = true;
      for (let k = 0; k < p.rest.length && ok; k++) ok = w[i + 1 + k] === p.rest[k];
      if (!ok) continue;
      let set = found.get(p.category);
      if (!set) found.set(p.category, (set = new Set()));
      set.add(p.text);
      coveredUntil = Math.max(coveredUntil, end);
    }
  }
  return found;
}
