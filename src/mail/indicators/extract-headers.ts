import { addressParser, type Address, type Email } from 'postal-mime';
import type { AddressRole } from '../types.ts';
import { CONTROL, provenance, sanitiseLine, type ExtractContext } from './context.ts';
import { domainOfAddress } from './domains.ts';
import { findSimulationMarkers } from './simulation.ts';
import { parseAuthenticationResults, parseReceived, parseReceivedSpf } from './transport.ts';

const MAX_RECEIVED = 30;
/** A plain addr-spec with a dotted domain of letters, digits and hyphens (IDNs in any script). */
const VALID_ADDRESS = /^[^\s@<>()\[\],;:"]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}\p{N}-]{2,63}$/u;
const MAX_AUTH_HEADERS = 10;

function mailboxes(address: Address | Address[] | undefined): { name: string; address: string }[] {
  if (!address) return [];
  const list = Array.isArray(address) ? address : [address];
  return list.flatMap((a) => (a.group ? a.group : [a])).map((m) => ({ name: m.name ?? '', address: m.address ?? '' }));
}

/** Sender, display name, reply-to, return-path, authentication results, Received chain, vendor markers. */
export function extractHeaderIndicators(email: Email, ctx: ExtractContext): void {
  const push = ctx.indicators.push.bind(ctx.indicators);
  const injected = new Set<string>();
  const addAddress = (role: AddressRole, name: string, address: string, header: string) => {
    if (CONTROL.test(name) || CONTROL.test(address)) injected.add(header);
    const clean = sanitiseLine(address, 320).trim().toLowerCase();
    if (!clean && !name) return;
    push({
      kind: 'address',
      role,
      address: clean,
      displayName: sanitiseLine(name, 200).trim(),
      domain: domainOfAddress(clean),
      provenance: provenance(ctx, 'headers.address', 'header', header),
    });
  };
  // A From with no address, or several mailboxes (an unquoted comma in the display name),
  // is something no ordinary mail program writes. Report it, and take the first real
  // address as the sender so the other checks still have one.
  const rawFrom = email.headers.find((h) => h.key === 'from')?.value;
  const fromList = rawFrom === undefined ? [] : mailboxes(addressParser(rawFrom.slice(0, 4096)));
  const from = mailboxes(email.from)[0];
  const fromAddress = from?.address || fromList.find((m) => m.address)?.address || '';
  if (from || fromAddress) addAddress('from', from?.name ?? '', fromAddress, 'From');
  const malformed =
    rawFrom === undefined ? 'no From header'
    : !fromAddress ? 'From has no address'
    : fromList.length > 1 ? `From holds ${fromList.length} mailboxes`
    : !from?.address ? 'From display name is not quoted'
    : !VALID_ADDRESS.test(fromAddress.slice(0, 320)) ? `From address is not valid: ${sanitiseLine(fromAddress, 80)}`
    : '';
  if (malformed) {
    push({ kind: 'anomaly', code: 'malformed-from', detail: malformed, provenance: provenance(ctx, 'headers.anomaly', 'header', 'From') });
  }
  const sender = mailboxes(email.sender)[0];
  if (sender && sender.address.toLowerCase() !== fromAddress.toLowerCase()) addAddress('sender', sender.name, sender.address, 'Sender');
  for (const r of mailboxes(email.replyTo).slice(0, 10)) addAddress('reply-to', r.name, r.address, 'Reply-To');
  if (email.returnPath) addAddress('return-path', '', email.returnPath, 'Return-Path');
  if (email.subject && CONTROL.test(email.subject.replace(/\t/g, ' '))) injected.add('Subject');

  let fromHeaders = 0;
  let authIndex = 0;
  let spfIndex = 0;
  let hop = 0;
  for (const h of email.headers) {
    if (h.key === 'from') fromHeaders++;
    if (h.key === 'authentication-results' && authIndex < MAX_AUTH_HEADERS) {
      const index = authIndex++;
      for (const r of parseAuthenticationResults(h.value)) {
        push({ kind: 'auth', ...r, index, provenance: provenance(ctx, 'headers.authentication-results', 'header', 'Authentication-Results') });
      }
    } else if (h.key === 'received-spf' && spfIndex < MAX_AUTH_HEADERS) {
      const r = parseReceivedSpf(h.value);
      if (r) push({ kind: 'auth', ...r, index: spfIndex, provenance: provenance(ctx, 'headers.received-spf', 'header', 'Received-SPF') });
      spfIndex++;
    } else if (h.key === 'received' && hop < MAX_RECEIVED) {
      push({ kind: 'received', hop, ...parseReceived(h.value), provenance: provenance(ctx, 'headers.received', 'header', `Received[${hop}]`) });
      hop++;
    }
  }
  if (fromHeaders > 1) {
    push({ kind: 'anomaly', code: 'multiple-from', detail: `${fromHeaders} From headers`, provenance: provenance(ctx, 'headers.anomaly', 'header', 'From') });
  }
  for (const header of injected) {
    push({
      kind: 'anomaly',
      code: 'header-injection',
      detail: `control characters (CR/LF) in the decoded ${header} header`,
      provenance: provenance(ctx, 'headers.anomaly', 'header', header),
    });
  }
  for (const s of findSimulationMarkers(email.headers, ctx.options.ownVendors, ctx.options.ownMarkers)) {
    push({ kind: 'simulation', ...s, provenance: provenance(ctx, 'headers.simulation', 'header', s.marker) });
  }
}
