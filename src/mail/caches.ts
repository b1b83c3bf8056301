import { clearDomainCaches } from './indicators/domains.ts';
import { clearQrCache } from './indicators/qr.ts';

/**
 * Empties the memoised results kept across messages (host parsing, lookalike checks, QR
 * decodes by image hash). They only ever save time; a benchmark calls this so that a
 * repeated pass over the same corpus is not flattered by its own earlier pass.
 */
export function clearMailCaches(): void {
  clearDomainCaches();
  clearQrCache();
}
