import type { ObjectStore } from 'nats';
import { ArtifactRef, sha256Hex } from '@ideamine/contracts';
import { JS_ERR, jsErrCode } from './errors';

export class ArtifactIntegrityError extends Error {
  readonly code = 'IM_ARTIFACT_INTEGRITY';
}
export class ArtifactNotFoundError extends Error {
  readonly code = 'IM_ARTIFACT_NOT_FOUND';
}

/**
 * Stores content under its SHA-256 and returns the ref. Create-only: an object store put of an
 * existing name writes new chunks and purges the old ones, which strands any reader holding the
 * old metadata, so the metadata is published expecting no earlier revision; the loser of a race
 * drops its own chunks and uses the object that won (same name, same bytes).
 */
export async function putArtifact(
  os: ObjectStore, bucket: string, content: Buffer | string, kind: string, contentType = 'application/json',
): Promise<ArtifactRef> {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const sha256 = sha256Hex(data);
  const ref: ArtifactRef = { bucket, name: sha256, sha256, size: data.length, contentType, kind };
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await os.info(sha256);
    if (existing && !existing.deleted) return ref;
    try {
      await os.putBlob({ name: sha256, description: kind }, data, { previousRevision: existing?.revision ?? 0 });
      return ref;
    } catch (err) {
      if (jsErrCode(err) !== JS_ERR.wrongLastSequence) throw err;
      // Another writer stored (or deleted) it meanwhile: look again.
    }
  }
  throw new Error(`artifact ${sha256}: the object changed under three attempts to store it`);
}

export async function putJsonArtifact(os: ObjectStore, bucket: string, value: unknown, kind: string): Promise<ArtifactRef> {
  return putArtifact(os, bucket, `${JSON.stringify(value, null, 2)}\n`, kind, 'application/json');
}

/** Chunks stopped arriving (purged or never written): retrying later re-reads the metadata. */
export class ArtifactReadStalledError extends Error {
  readonly code = 'IM_ARTIFACT_READ_STALLED';
  readonly retryable = true;
}

export interface ArtifactReadOptions {
  /** Longest wait for the next chunk before giving up. */
  stallMs?: number;
}

/**
 * Reads an artifact and checks its hash, so a corrupted or swapped object is never used. A read
 * whose chunks do not arrive fails after `stallMs` instead of waiting forever.
 */
export async function getArtifact(os: ObjectStore, ref: Pick<ArtifactRef, 'name' | 'sha256'>, opts: ArtifactReadOptions = {}): Promise<Buffer> {
  const stallMs = opts.stallMs ?? 15_000;
  const result = await os.get(ref.name);
  if (!result) throw new ArtifactNotFoundError(`artifact ${ref.name} not found`);
  const reader = result.data.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ArtifactReadStalledError(`artifact ${ref.name}: no chunk for ${stallMs} ms (its chunks are missing)`)), stallMs);
    });
    try {
      const { done, value } = await Promise.race([reader.read(), stalled]);
      if (done) break;
      parts.push(value);
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
  const buf = Buffer.concat(parts);
  if (sha256Hex(buf) !== ref.sha256) throw new ArtifactIntegrityError(`artifact ${ref.name} does not match its sha256`);
  return buf;
}

export async function getJsonArtifact<T>(os: ObjectStore, ref: Pick<ArtifactRef, 'name' | 'sha256'>, opts?: ArtifactReadOptions): Promise<T> {
  return JSON.parse((await getArtifact(os, ref, opts)).toString('utf8')) as T;
}
