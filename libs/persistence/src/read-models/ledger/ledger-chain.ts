import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface LedgerLink {
  position: number;
  seq: number;
  eventId: string;
  runId: string;
  type: string;
  /** ISO-8601 with milliseconds, as Date#toISOString gives it (what Postgres gives back). */
  occurredAt: string;
  envelopeSha256: string;
}

/** hash(n) = SHA-256(hash(n-1) | position | seq | event id | run | type | occurredAt | SHA-256(envelope bytes)). */
export function ledgerHash(prevHash: string, l: LedgerLink): string {
  return createHash('sha256').update(`${prevHash}|${l.position}|${l.seq}|${l.eventId}|${l.runId}|${l.type}|${l.occurredAt}|${l.envelopeSha256}`).digest('hex');
}

export interface LedgerRow extends LedgerLink {
  prevHash: string;
  hash: string;
}

export interface LedgerVerdict {
  ok: boolean;
  /** Entries checked before the verdict. */
  checked: number;
  /** The first bad entry: its position and stream sequence. */
  firstBad?: { position: number; seq: number | null };
  reason?: string;
}

/**
 * Walks entries in position order from an anchor (genesis, or where retention cut the chain) and
 * stops at the first one that does not hold: a gap in positions (an entry removed), a prev_hash that
 * is not the hash before it (entries reordered or replaced), a hash that does not match its content
 * (a byte edited), or an envelope whose bytes no longer match the hash recorded for it.
 */
export class LedgerChecker {
  private prev: string;
  private expected: number;
  checked = 0;

  constructor(anchor?: { position: number; hash: string }) {
    this.prev = anchor?.hash ?? GENESIS_HASH;
    this.expected = (anchor?.position ?? 0) + 1;
  }

  /** Returns a verdict at the first bad entry, undefined while everything holds. */
  check(r: LedgerRow, envelopeSha256?: string | null): LedgerVerdict | undefined {
    const bad = (reason: string): LedgerVerdict => ({ ok: false, checked: this.checked, firstBad: { position: this.expected, seq: r.position === this.expected ? r.seq : null }, reason });
    if (r.position !== this.expected) {
      return r.position > this.expected
        ? bad(`entry #${this.expected} is missing: the entry after #${this.expected - 1} is #${r.position} (seq ${r.seq})`)
        : bad(`entry #${r.position} (seq ${r.seq}) appears where #${this.expected} should be`);
    }
    if (r.prevHash !== this.prev) return bad(`entry #${r.position} (seq ${r.seq}) does not follow entry #${r.position - 1}: its prev_hash is not that entry's hash (entries reordered, replaced or removed)`);
    if (ledgerHash(this.prev, r) !== r.hash) return bad(`entry #${r.position} (seq ${r.seq}) was altered: its hash does not match its content`);
    if (envelopeSha256 === null) return bad(`entry #${r.position} (seq ${r.seq}) has no event in the events table (the event row was removed)`);
    if (envelopeSha256 !== undefined && envelopeSha256 !== r.envelopeSha256) return bad(`the event of entry #${r.position} (seq ${r.seq}) was altered: its envelope no longer matches the hash recorded for it`);
    this.prev = r.hash;
    this.expected++;
    this.checked++;
    return undefined;
  }

  /** Hash of the last good entry (the chain tip). */
  get tip(): string {
    return this.prev;
  }
}
