import type { KubeObject, ObjectLike } from "../api/object.js";
import { NAMESPACE_INDEX, type Indexer } from "./indexer.js";

/**
 * Anything that can test an object's labels: the label selector of core/api/selectors (parsed
 * from a string or built from a metav1.LabelSelector) fits this shape.
 */
export interface LabelMatcher {
  matches(labels: Readonly<Record<string, string>>): boolean;
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

function select<T extends ObjectLike>(objects: Iterable<T>, selector: LabelMatcher | undefined): T[] {
  const out: T[] = [];
  for (const obj of objects) if (!selector || selector.matches(obj.metadata?.labels ?? NO_LABELS)) out.push(obj);
  return out;
}

/** Reads of one namespace from an informer's cache. */
export class NamespaceLister<T extends ObjectLike = KubeObject> {
  constructor(
    private readonly indexer: Indexer<T>,
    readonly namespace: string,
  ) {}

  /** Objects in the namespace whose labels match `selector` (all without one): one pass over the namespace's index, one array. */
  list(selector?: LabelMatcher): T[] {
    return this.indexer.byIndex(NAMESPACE_INDEX, this.namespace, selector ? (obj) => selector.matches(obj.metadata?.labels ?? NO_LABELS) : undefined);
  }

  /** The object named `name` in the namespace, or undefined. */
  get(name: string): T | undefined {
    return this.indexer.getByKey(`${this.namespace}/${name}`);
  }
}

/**
 * Reads from an informer's cache, as client-go's generated listers: never calls the API server.
 * Returned objects are the cache's own (immutable, shared): copy before changing.
 */
export class Lister<T extends ObjectLike = KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Objects in every namespace whose labels match `selector` (all without one). */
  list(selector?: LabelMatcher): T[] {
    return select(this.indexer.values(), selector);
  }

  /** A cluster-scoped object by name, or undefined. */
  get(name: string): T | undefined {
    return this.indexer.getByKey(name);
  }

  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}
