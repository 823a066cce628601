import type { Pod } from "kubernetes-types/core/v1.js";
import type { LogRecord } from "./tail.js";

/** `<pod>_<namespace>_<container>-<container id>.log`, as fluent-bit's kubernetes filter reads the tag (Kube_Tag_Prefix stripped). */
const FILE_NAME = /^([a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*)_([^_]+)_(.+)-([a-z0-9]{64})\.log$/;

/** The `kubernetes` object the filter adds to each record. */
export interface KubernetesMeta {
  pod_name: string;
  namespace_name: string;
  pod_id?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  host?: string;
  container_name: string;
  docker_id: string;
  container_hash?: string;
  container_image?: string;
}

/**
 * fluent-bit's `kubernetes` filter: names from the log file's name, then the pod's metadata
 * (uid, labels, node, the container's image) from the API server, cached per pod (a deleted pod's
 * last lines keep the metadata already seen). `Merge_Log` lifts a JSON log line's keys into the record.
 */
export class KubernetesFilter {
  private readonly cache = new Map<string, Pod>();

  constructor(
    private readonly pods: (namespace: string, name: string) => Pod | undefined,
    private readonly options: { labels: boolean; annotations: boolean; mergeLog: boolean },
  ) {}

  apply(r: LogRecord): Record<string, unknown> {
    const record: Record<string, unknown> = { time: r.time, stream: r.stream, _p: "F", log: r.log };
    const m = FILE_NAME.exec(r.file.slice(r.file.lastIndexOf("/") + 1));
    if (!m) return record;
    const [, podName, namespace, container, dockerId] = m as unknown as [string, string, string, string, string];
    const key = `${namespace}/${podName}`;
    const pod = this.pods(namespace, podName) ?? this.cache.get(key);
    if (pod) {
      this.cache.delete(key);
      this.cache.set(key, pod);
      if (this.cache.size > 2000) this.cache.delete(this.cache.keys().next().value!);
    }
    const status = pod?.status?.containerStatuses?.find((c) => c.name === container) ?? pod?.status?.initContainerStatuses?.find((c) => c.name === container);
    const meta: KubernetesMeta = {
      pod_name: podName,
      namespace_name: namespace,
      ...(pod?.metadata?.uid ? { pod_id: pod.metadata.uid } : {}),
      ...(this.options.labels && pod?.metadata?.labels ? { labels: pod.metadata.labels } : {}),
      ...(this.options.annotations && pod?.metadata?.annotations ? { annotations: pod.metadata.annotations } : {}),
      ...(pod?.spec?.nodeName ? { host: pod.spec.nodeName } : {}),
      container_name: container,
      docker_id: dockerId,
      ...(status?.imageID ? { container_hash: status.imageID } : {}),
      ...(status?.image ? { container_image: status.image } : {}),
    };
    record["kubernetes"] = meta;
    if (this.options.mergeLog && r.log.startsWith("{")) {
      try {
        const parsed = JSON.parse(r.log) as unknown;
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) for (const [k, v] of Object.entries(parsed)) if (!(k in record)) record[k] = v;
      } catch {
        // not JSON: the line stays as it is
      }
    }
    return record;
  }
}
