declare const contributionType: unique symbol;

/**
 * A typed key naming an extension point. The phantom type `T` is the shape contributions must
 * have, so `points.get(AdmissionPlugins).contribute(...)` with the wrong shape does not compile.
 * Keys compare by `id`, so separately bundled copies of kubesim agree on them.
 */
export interface ExtensionPointKey<T> {
  readonly id: string;
  readonly description: string;
  readonly [contributionType]?: T;
}

/** Declares an extension point. `id` is unique across kubesim and its plugins. */
export function extensionPoint<T>(id: string, description: string): ExtensionPointKey<T> {
  return { id, description };
}

/** One contribution: who contributed it, under which name. */
export interface Contribution<T> {
  readonly name: string;
  readonly plugin: string;
  readonly value: T;
}

/**
 * The contributions made to one extension point, in contribution order. Names are unique within a
 * point; a second contribution under a taken name is refused, naming both contributors.
 */
export class ExtensionPoint<T> {
  private readonly byName = new Map<string, Contribution<T>>();
  /** What {@link values} hands out until the contributions change. */
  private snapshot: readonly T[] | undefined;

  constructor(readonly key: ExtensionPointKey<T>) {}

  /** Adds a contribution; `plugin` names the contributor (for error messages). */
  contribute(name: string, value: T, plugin = "(core)"): void {
    const existing = this.byName.get(name);
    if (existing) {
      throw new Error(`extension point "${this.key.id}": "${name}" is already contributed by plugin "${existing.plugin}" (plugin "${plugin}" tried again)`);
    }
    this.byName.set(name, { name, plugin, value });
    this.snapshot = undefined;
  }

  /** Removes a contribution (used by teardowns). */
  withdraw(name: string): boolean {
    if (!this.byName.delete(name)) return false;
    this.snapshot = undefined;
    return true;
  }

  /** All contributions' values, in contribution order (a new array). */
  all(): T[] {
    return [...this.byName.values()].map((c) => c.value);
  }

  /**
   * All contributions' values, in contribution order: the same frozen array until a contribution
   * is added or withdrawn, for callers that read them on every request (admission, authorizers)
   * and can tell "unchanged" by identity.
   */
  values(): readonly T[] {
    return (this.snapshot ??= Object.freeze(this.all()));
  }

  /** All contributions with their names and contributors. */
  entries(): Contribution<T>[] {
    return [...this.byName.values()];
  }

  /** The contribution named `name`, or undefined. */
  get(name: string): T | undefined {
    return this.byName.get(name)?.value;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /** The only contribution; an error when there are none or several (names them). */
  single(): T {
    if (this.byName.size === 1) return this.byName.values().next().value!.value;
    if (this.byName.size === 0) throw new Error(`extension point "${this.key.id}" has no contribution: load a plugin that provides ${this.key.description}`);
    throw new Error(`extension point "${this.key.id}" has ${this.byName.size} contributions (${[...this.byName.keys()].join(", ")}); expected exactly one`);
  }
}

/** All extension points of one cluster, created on first use. */
export class ExtensionRegistry {
  private readonly points = new Map<string, ExtensionPoint<unknown>>();

  point<T>(key: ExtensionPointKey<T>): ExtensionPoint<T> {
    let point = this.points.get(key.id);
    if (!point) {
      point = new ExtensionPoint<unknown>(key);
      this.points.set(key.id, point);
    }
    return point as ExtensionPoint<T>;
  }

  /** Ids of the extension points that have been used. */
  ids(): string[] {
    return [...this.points.keys()];
  }
}
