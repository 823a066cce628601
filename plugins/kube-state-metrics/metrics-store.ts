import { familyHeader, sampleLine } from "./exposition.js";
import type { FamilyGenerator, LabelAllowlist } from "./family.js";

/** What the store needs of an object: its identity. */
export interface StoredObject {
  metadata?: { uid?: string; namespace?: string; name?: string };
}

/** How one resource's objects become metrics: its families and the labels every sample starts with. */
export interface ResourceMetrics<T extends StoredObject = StoredObject> {
  /** The resource's plural, as `--resources` and `--metric-labels-allowlist` name it (`pods`). */
  readonly resource: string;
  /** The API kind the informer watches (`Pod`). */
  readonly kind: string;
  /** Label keys every sample of the resource starts with (`namespace`, `pod`, `uid`). */
  readonly defaultKeys: readonly string[];
  defaultValues(obj: T): readonly string[];
  readonly families: readonly FamilyGenerator<T>[];
}

/**
 * One resource's metrics, kept per object as upstream's MetricsStore keeps them: each add or
 * update renders that object's samples once, family by family; deleting drops them. A scrape only
 * concatenates the pre-rendered text, family by family, headers first — no object is visited
 * beyond its stored strings.
 */
export class MetricsStore<T extends StoredObject = StoredObject> {
  private readonly headers: string[];
  private readonly objects = new Map<string, string[]>();

  constructor(
    readonly spec: ResourceMetrics<T>,
    private readonly allow: LabelAllowlist = [],
  ) {
    this.headers = spec.families.map((f) => familyHeader(f.name, f.help, f.type, f.stable));
  }

  get size(): number {
    return this.objects.size;
  }

  /** Renders `obj`'s samples (add or update). */
  upsert(obj: T): void {
    const keys = this.spec.defaultKeys;
    const values = this.spec.defaultValues(obj);
    const rendered: string[] = [];
    for (const f of this.spec.families) {
      let text = "";
      for (const s of f.generate(obj, this.allow)) text += sampleLine(f.name, s.keys.length ? [...keys, ...s.keys] : keys, s.keys.length ? [...values, ...s.values] : values, s.value);
      rendered.push(text);
    }
    this.objects.set(storeKey(obj), rendered);
  }

  delete(obj: T): void {
    this.objects.delete(storeKey(obj));
  }

  /** Appends the resource's exposition to `out`: nothing while it has no objects (as upstream's writer). */
  write(out: string[]): void {
    if (this.objects.size === 0) return;
    for (let i = 0; i < this.headers.length; i++) {
      out.push(this.headers[i]!);
      for (const rendered of this.objects.values()) {
        const t = rendered[i]!;
        if (t) out.push(t);
      }
    }
  }
}

function storeKey(obj: StoredObject): string {
  return obj.metadata?.uid ?? `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}
