import { createHash, timingSafeEqual } from 'node:crypto';

export class ApiKeysMissingError extends Error {
  readonly code = 'IM_API_KEYS_MISSING';
  constructor() {
    super('IM_API_KEYS is empty: set one or more comma-separated keys (npm run demo / npm start generate one)');
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function parseApiKeys(raw: string | undefined): Buffer[] {
  const keys = (raw ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  if (keys.length === 0) throw new ApiKeysMissingError();
  return keys.map(digest);
}

/** Compares hashes in constant time so response timing reveals nothing about the keys. */
export function isValidKey(keys: Buffer[], presented: string | undefined): boolean {
  if (!presented) return false;
  const d = digest(presented);
  let ok = false;
  for (const k of keys) ok = timingSafeEqual(k, d) || ok;
  return ok;
}

/** A stable, non-secret label for a key (logs, requestedBy). */
export const keyLabel = (presented: string) => `key:${createHash('sha256').update(presented).digest('hex').slice(0, 8)}`;
