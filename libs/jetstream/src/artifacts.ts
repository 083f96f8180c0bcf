import type { ObjectStore } from 'nats';
import { ArtifactRef, sha256Hex } from '@ideamine/contracts';

export class ArtifactIntegrityError extends Error {
  readonly code = 'IM_ARTIFACT_INTEGRITY';
}
export class ArtifactNotFoundError extends Error {
  readonly code = 'IM_ARTIFACT_NOT_FOUND';
}

/** Stores content under its SHA-256 (idempotent: the same bytes are stored once) and returns the ref. */
export async function putArtifact(
  os: ObjectStore, bucket: string, content: Buffer | string, kind: string, contentType = 'application/json',
): Promise<ArtifactRef> {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const sha256 = sha256Hex(data);
  const existing = await os.info(sha256);
  if (!existing || existing.deleted) await os.putBlob({ name: sha256, description: kind }, data);
  return { bucket, name: sha256, sha256, size: data.length, contentType, kind };
}

export async function putJsonArtifact(os: ObjectStore, bucket: string, value: unknown, kind: string): Promise<ArtifactRef> {
  return putArtifact(os, bucket, `${JSON.stringify(value, null, 2)}\n`, kind, 'application/json');
}

/** Reads an artifact and checks its hash, so a corrupted or swapped object is never used. */
export async function getArtifact(os: ObjectStore, ref: Pick<ArtifactRef, 'name' | 'sha256'>): Promise<Buffer> {
  const data = await os.getBlob(ref.name);
  if (!data) throw new ArtifactNotFoundError(`artifact ${ref.name} not found`);
  const buf = Buffer.from(data);
  if (sha256Hex(buf) !== ref.sha256) throw new ArtifactIntegrityError(`artifact ${ref.name} does not match its sha256`);
  return buf;
}

export async function getJsonArtifact<T>(os: ObjectStore, ref: Pick<ArtifactRef, 'name' | 'sha256'>): Promise<T> {
  return JSON.parse((await getArtifact(os, ref)).toString('utf8')) as T;
}
