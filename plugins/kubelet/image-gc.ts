import type { NodeRuntime } from "../../core/cri/runtime-service.js";

/** The kubelet's image GC policy (KubeletConfiguration defaults: 85 % / 80 %, images at least 2 minutes old). */
export interface ImageGcPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGcPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

/** How often the kubelet checks the image filesystem (upstream's ImageGCPeriod). */
export const IMAGE_GC_PERIOD_MS = 300_000;

/**
 * The kubelet's image garbage collector (pkg/kubelet/images/image_gc_manager.go): it tracks when
 * it first saw each image and when a container last used it; when the image filesystem passes the
 * high threshold it removes unused, unpinned images old enough, least recently used first, until
 * usage is back at the low threshold.
 */
export class ImageGarbageCollector {
  private readonly records = new Map<string, { firstDetected: number; lastUsed: number }>();

  constructor(
    private readonly runtime: NodeRuntime,
    readonly policy: ImageGcPolicy,
  ) {}

  /** Refreshes the image records: new images, images in use by any container (running or not). */
  async detect(now: number): Promise<Set<string>> {
    const images = await this.runtime.images.listImages();
    const inUse = new Set((await this.runtime.runtime.listContainers()).map((c) => c.imageRef));
    const present = new Set<string>();
    for (const img of images) {
      present.add(img.id);
      let r = this.records.get(img.id);
      if (!r) this.records.set(img.id, (r = { firstDetected: now, lastUsed: 0 }));
      if (inUse.has(img.id)) r.lastUsed = now;
    }
    for (const id of [...this.records.keys()]) if (!present.has(id)) this.records.delete(id);
    return inUse;
  }

  /** Removes eligible images, least recently used first, until `bytes` are freed; returns the bytes freed. */
  async freeSpace(bytes: number, now: number): Promise<number> {
    const inUse = await this.detect(now);
    const candidates = (await this.runtime.images.listImages())
      .filter((img) => !img.pinned && !inUse.has(img.id) && now - (this.records.get(img.id)?.firstDetected ?? now) >= this.policy.minAgeMs)
      .sort((a, b) => {
        const ra = this.records.get(a.id)!;
        const rb = this.records.get(b.id)!;
        return ra.lastUsed - rb.lastUsed || ra.firstDetected - rb.firstDetected;
      });
    let freed = 0;
    for (const img of candidates) {
      if (freed >= bytes) break;
      try {
        await this.runtime.images.removeImage(img.id);
      } catch {
        continue;
      }
      this.records.delete(img.id);
      freed += img.size;
    }
    return freed;
  }

  /** Frees space when usage is at or above the high threshold; undefined when below it. */
  async garbageCollect(now: number): Promise<{ attempted: number; freed: number } | undefined> {
    const fs = await this.runtime.images.imageFsInfo();
    await this.detect(now);
    if (fs.capacityBytes <= 0 || (fs.usedBytes * 100) / fs.capacityBytes < this.policy.highThresholdPercent) return undefined;
    const attempted = Math.ceil(fs.usedBytes - (fs.capacityBytes * this.policy.lowThresholdPercent) / 100);
    return { attempted, freed: await this.freeSpace(attempted, now) };
  }
}
