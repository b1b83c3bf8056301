import type { AuthEvent, AuthSource } from './auth-log.ts';
import type { IdentityFinding } from './finding.ts';
import type { ParseContext } from './parse-support.ts';
import { parseAnomalousUseEvent } from './usage-events.ts';

export interface AnomalyOptions {
  /** Look this far back for the identity's usual sources (default 30 days). */
  lookbackMs?: number;
  /** Fewer prior successful logins than this: too little history to call anything unusual (default 5). */
  minHistory?: number;
  /** Faster than this between two logins is impossible travel (default 1000 km/h). */
  maxSpeedKmh?: number;
  /** Geolocation is coarse: ignore jumps shorter than this (default 500 km). */
  minDistanceKm?: number;
}

/**
 * Checks one successful authentication of a service principal against its history:
 * an *unusual source* is an ASN (else a /24 or /48 network, else a country) never seen in
 * the lookback window; *impossible travel* is a move from the previous located login
 * faster than `maxSpeedKmh`. Returns zero, one or two anomalous-use findings.
 */
export function assessAuthEvent(
  event: AuthEvent,
  history: readonly AuthEvent[],
  ctx: ParseContext,
  options: AnomalyOptions = {},
): IdentityFinding[] {
  if (event.outcome !== 'success') return [];
  const lookback = options.lookbackMs ?? 30 * 86_400_000;
  const prior = history
    .filter((h) => h.outcome === 'success' && h.time < event.time && h.time >= event.time - lookback)
    .sort((a, b) => a.time - b.time);
  const principal = {
    ...(event.identityId ? { identity_id: event.identityId } : {}),
    ...(event.keyId ? { key_id: event.keyId } : {}),
    ...(event.principal ? { name: event.principal } : {}),
    ...(event.system ? { system: event.system } : {}),
  };
  const findings: IdentityFinding[] = [];
  const key = sourceKey(event.source);
  if (key && prior.length >= (options.minHistory ?? 5) && !prior.some((h) => sourceKey(h.source) === key)) {
    findings.push(
      parseAnomalousUseEvent(
        { type: 'anomalous_use', reason: 'unusual_source', time: event.time, principal, source: event.source, detector: 'writ', details: `first login from ${key} in ${prior.length} logins` },
        ctx,
      ),
    );
  }
  const here = located(event.source);
  const previous = [...prior].reverse().find((h) => located(h.source));
  if (here && previous) {
    const there = located(previous.source)!;
    const km = haversineKm(there, here);
    const hours = Math.max((event.time - previous.time) / 3_600_000, 1 / 60);
    const speed = km / hours;
    if (km >= (options.minDistanceKm ?? 500) && speed > (options.maxSpeedKmh ?? 1000)) {
      findings.push(
        parseAnomalousUseEvent(
          {
            type: 'anomalous_use',
            reason: 'impossible_travel',
            time: event.time,
            principal,
            source: event.source,
            previous_source: { ...previous.source, time: previous.time },
            detector: 'writ',
            details: `${Math.round(km)} km in ${Math.round(hours * 60)} min (${Math.round(speed)} km/h)`,
          },
          ctx,
        ),
      );
    }
  }
  return findings;
}

function sourceKey(s: AuthSource): string | undefined {
  if (s.asn !== undefined) return `AS${s.asn}`;
  if (s.ip) {
    if (s.ip.includes(':')) return `${s.ip.split(':').slice(0, 3).join(':')}::/48`;
    const parts = s.ip.split('.');
    if (parts.length === 4) return `${parts.slice(0, 3).join('.')}.0/24`;
  }
  return s.country ? `country ${s.country}` : undefined;
}

function located(s: AuthSource): { lat: number; lon: number } | undefined {
  return s.lat === undefined || s.lon === undefined ? undefined : { lat: s.lat, lon: s.lon };
}

/** Great-circle distance in km. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}
