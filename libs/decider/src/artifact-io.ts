import type { ObjectStore } from 'nats';
import { getJsonArtifact } from '@ideamine/jetstream';
import type { DeciderIo } from './decider';

/**
 * Artifact reads for deciders and workers. Artifacts are content-addressed, so a cached copy can
 * never be stale: the cache saves the Object Store round trips (an ordered consumer per object)
 * that evidence packs read by many tasks would otherwise cost.
 */
export class CachedArtifacts implements DeciderIo {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly os: () => Promise<ObjectStore>, private readonly maxEntries = 256) {}

  async readJsonArtifact<T>(ref: { name: string; sha256: string }): Promise<T> {
    const hit = this.cache.get(ref.sha256);
    if (hit !== undefined) {
      // Move to the back: the map's order is the eviction order.
      this.cache.delete(ref.sha256);
      this.cache.set(ref.sha256, hit);
      return hit as T;
    }
    const value = await getJsonArtifact<T>(await this.os(), ref);
    this.cache.set(ref.sha256, value);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  }
}
