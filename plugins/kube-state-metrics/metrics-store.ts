import { familyHeader, labelPairs, sampleLine } from "./exposition.js";
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
 * concatenates pre-rendered text, family by family, headers first; a family's concatenation is
 * kept until one of its objects' text changes, so a scrape after a few updates re-joins only the
 * families those updates touched.
 */
export class MetricsStore<T extends StoredObject = StoredObject> {
  private readonly headers: string[];
  private readonly objects = new Map<string, string[]>();
  /** Each family's joined text (header included), or undefined when an object's text in it changed. */
  private readonly joined: (string | undefined)[];

  constructor(
    readonly spec: ResourceMetrics<T>,
    private readonly allow: LabelAllowlist = [],
  ) {
    this.headers = spec.families.map((f) => familyHeader(f.name, f.help, f.type, f.stable));
    this.joined = this.headers.map(() => undefined);
  }

  get size(): number {
    return this.objects.size;
  }

  /** Renders `obj`'s samples (add or update). */
  upsert(obj: T): void {
    const prefix = labelPairs(this.spec.defaultKeys, this.spec.defaultValues(obj));
    const key = storeKey(obj);
    const old = this.objects.get(key);
    const rendered: string[] = [];
    const families = this.spec.families;
    for (let i = 0; i < families.length; i++) {
      const f = families[i]!;
      let text = "";
      for (const s of f.generate(obj, this.allow)) text += sampleLine(f.name, prefix, s.keys, s.values, s.value);
      rendered.push(text);
      if (old?.[i] !== text && (old || text)) this.joined[i] = undefined;
    }
    this.objects.set(key, rendered);
  }

  delete(obj: T): void {
    const key = storeKey(obj);
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    for (let i = 0; i < old.length; i++) if (old[i]) this.joined[i] = undefined;
  }

  /** Appends the resource's exposition to `out`: nothing while it has no objects (as upstream's writer). */
  write(out: string[]): void {
    if (this.objects.size === 0) return;
    for (let i = 0; i < this.headers.length; i++) {
      let text = this.joined[i];
      if (text === undefined) {
        const parts = [this.headers[i]!];
        for (const rendered of this.objects.values()) if (rendered[i]) parts.push(rendered[i]!);
        this.joined[i] = text = parts.join("");
      }
      out.push(text);
    }
  }
}

function storeKey(obj: StoredObject): string {
  return obj.metadata?.uid ?? `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}
