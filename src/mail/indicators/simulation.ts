/**
 * Headers that phishing-awareness vendors add to their simulated phishing, as their own
 * allow-listing guides publish them. Anyone can add a header, so a vendor marker alone
 * never makes a message safe: only markers the organisation declared as its own do
 * (`simulations.ownVendors`, or better a private `simulations.ownMarkers` header and value).
 */
export const SIMULATION_VENDORS: readonly { vendor: string; headers: readonly string[] }[] = Object.freeze([
  { vendor: 'knowbe4', headers: ['x-phishtest'] },
  { vendor: 'proofpoint', headers: ['x-threatsim-id', 'x-threatsim-header'] },
  { vendor: 'cofense', headers: ['x-phishme', 'x-phishmetracking'] },
  { vendor: 'gophish', headers: ['x-gophish-contact'] },
]);

export interface SimulationMatch {
  vendor: string;
  own: boolean;
  marker: string;
}

export function findSimulationMarkers(
  headers: readonly { key: string; value: string }[],
  ownVendors: ReadonlySet<string>,
  ownMarkers: readonly { header: string; value?: string }[],
): SimulationMatch[] {
  const out: SimulationMatch[] = [];
  for (const h of headers) {
    for (const v of SIMULATION_VENDORS) {
      if (v.headers.includes(h.key)) out.push({ vendor: v.vendor, own: ownVendors.has(v.vendor), marker: h.key });
    }
    for (const m of ownMarkers) {
      if (m.header === h.key && (m.value === undefined || m.value === h.value.trim())) {
        out.push({ vendor: 'organisation', own: true, marker: h.key });
      }
    }
  }
  return out;
}
