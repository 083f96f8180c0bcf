import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface LedgerLink {
  seq: number;
  eventId: string;
  runId: string;
  type: string;
  payloadSha256: string;
}

/** hash(n) = SHA-256(hash(n-1) | seq | event id | run | type | payload hash): editing any byte breaks the chain. */
export function ledgerHash(prevHash: string, link: LedgerLink): string {
  return createHash('sha256').update(`${prevHash}|${link.seq}|${link.eventId}|${link.runId}|${link.type}|${link.payloadSha256}`).digest('hex');
}

export interface LedgerRow extends LedgerLink {
  prevHash: string;
  hash: string;
}

export interface LedgerVerdict {
  ok: boolean;
  checked: number;
  firstBadSeq?: number;
  reason?: string;
}

/** Walks the chain in sequence order; reports the first row whose link or hash does not hold. */
export function verifyLedgerRows(rows: LedgerRow[], payloadHashOf?: (seq: number) => string | undefined): LedgerVerdict {
  let prev = GENESIS_HASH;
  for (const [i, r] of rows.entries()) {
    if (r.prevHash !== prev) return { ok: false, checked: i, firstBadSeq: r.seq, reason: `prev_hash of seq ${r.seq} does not match the hash of the row before it` };
    if (payloadHashOf) {
      const actual = payloadHashOf(r.seq);
      if (actual !== undefined && actual !== r.payloadSha256) return { ok: false, checked: i, firstBadSeq: r.seq, reason: `event payload of seq ${r.seq} no longer matches its recorded hash` };
    }
    const expected = ledgerHash(prev, r);
    if (expected !== r.hash) return { ok: false, checked: i, firstBadSeq: r.seq, reason: `hash of seq ${r.seq} does not match its content` };
    prev = r.hash;
  }
  return { ok: true, checked: rows.length };
}
