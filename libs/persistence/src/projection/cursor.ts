import { InvalidCursorError } from '../errors';

/** A page of a keyset-paginated list: pass `nextCursor` back to get the next one (null: the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type Part = 'string' | 'number' | 'time';

/**
 * Opaque keyset cursors: the sort key of the last row of a page, so the next page starts right
 * after it however many rows arrive meanwhile (an offset would skip or repeat rows).
 */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, parts: Part[]): (string | number)[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(cursor, 'it is not one this API issued');
  }
  if (!Array.isArray(values) || values.length !== parts.length) throw new InvalidCursorError(cursor, 'it is not one this API issued');
  return parts.map((p, i) => {
    const v = values[i];
    if (p === 'number' && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (p === 'string' && typeof v === 'string' && v.length <= 256) return v;
    if (p === 'time' && typeof v === 'string' && !Number.isNaN(Date.parse(v))) return v;
    throw new InvalidCursorError(cursor, `part ${i + 1} is not a ${p}`);
  });
}

/** Stream-sequence cursors (events, timeline) are plain decimal sequences: readable, and what taps already use. */
export function decodeSeqCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw new InvalidCursorError(cursor, 'it must be a stream sequence (digits)');
  return Number(cursor);
}

/** Cuts a limit+1 result to a page; the cursor is built from the last row kept. */
export function toPage<T>(rows: T[], limit: number, key: (last: T) => string): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, nextCursor: more && items.length ? key(items[items.length - 1]) : null };
}
