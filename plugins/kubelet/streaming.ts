import type { Pod } from "kubernetes-types/core/v1.js";
import type { Client } from "../../core/client/client.js";
import { badRequest } from "../../core/api/status.js";
import { requestedContainer, type PodExecSession, type PodLogStream, type PodPortForward, type PodStreams } from "../../core/apiserver/http/pod-streams.js";
import type { Kubelet } from "./kubelet.js";
import type { ContainerSlot } from "./container-slot.js";
import type { PodWorker } from "./pod-worker.js";

/** Formats a time as the kubelet's `--timestamps` prefix (RFC3339Nano). */
function nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z`;
}

/**
 * The kubelet's streaming API (containerLogs, exec, attach, port-forward) for the API server's pod
 * subresources: finds the pod's node and its kubelet, then serves from the runtime.
 */
export function kubeletStreams(client: Client, kubelets: ReadonlyMap<string, Kubelet>): PodStreams {
  const locate = async (namespace: string, name: string, container: string | undefined): Promise<{ pod: Pod; kubelet: Kubelet; worker: PodWorker; slot: ContainerSlot }> => {
    const pod = await client.resource<Pod>("Pod").get(name, { namespace });
    const node = pod.spec?.nodeName;
    const kubelet = node ? kubelets.get(node) : undefined;
    const worker = kubelet?.worker(namespace, name);
    container = requestedContainer(pod, name, container);
    if (!kubelet || !worker) throw badRequest(`pod ${name} does not have a host assigned`);
    const slot = worker.slot(container)!;
    return { pod, kubelet, worker, slot };
  };

  return {
    async logs(namespace, name, query) {
      const { kubelet, worker, slot } = await locate(namespace, name, query.get("container") ?? undefined);
      const previous = query.get("previous") === "true";
      if (previous && slot.restartCount === 0) throw badRequest(`previous terminated container "${slot.name}" in pod "${name}" not found`);
      if (!previous && !slot.id) {
        const reason = slot.waiting?.reason ?? "ContainerCreating";
        const why = reason === "ImagePullBackOff" || reason === "ErrImagePull" ? "trying and failing to pull image" : reason;
        throw badRequest(`container "${slot.name}" in pod "${name}" is waiting to start: ${why}`);
      }
      const sandboxDir = `/var/log/pods/${namespace}_${name}_${worker.uid}`;
      const path = `${sandboxDir}/${slot.name}/${previous ? slot.restartCount - 1 : slot.restartCount}.log`;
      const store = kubelet.runtime.logs;
      const timestamps = query.get("timestamps") === "true";
      const format = (line: string): string | undefined => {
        const e = store.parse(line);
        if (!e) return undefined;
        return `${timestamps ? nano(e.time) + " " : ""}${e.text}${e.partial ? "" : "\n"}`;
      };
      let lines = [...(store.lines(path) ?? [])];
      const since = query.get("sinceSeconds") ? kubelet.now() - Number(query.get("sinceSeconds")) * 1000 : query.get("sinceTime") ? Date.parse(query.get("sinceTime")!) : undefined;
      if (since !== undefined) lines = lines.filter((l) => (store.parse(l)?.time ?? 0) >= since);
      const tail = query.get("tailLines");
      if (tail !== null) lines = Number(tail) === 0 ? [] : lines.slice(-Number(tail));
      let text = lines.map(format).filter((x) => x !== undefined).join("");
      const limit = query.get("limitBytes");
      if (limit) text = text.slice(0, Number(limit));
      if (query.get("follow") !== "true" || previous) return text;
      const containerId = slot.id!;
      const stream: PodLogStream = {
        text,
        follow: (write, signal) =>
          new Promise<void>((resolve) => {
            const stopFollow = store.follow(path, (line) => {
              const out = format(line);
              if (out) write(out);
            });
            const done = (): void => {
              stopFollow();
              unsubscribe();
              signal.removeEventListener("abort", done);
              resolve();
            };
            const unsubscribe = kubelet.runtime.runtime.onContainerEvent((e) => {
              if (e.containerId === containerId && e.type === "CONTAINER_STOPPED_EVENT") setImmediate(done);
            });
            signal.addEventListener("abort", done, { once: true });
            void kubelet.runtime.runtime.containerStatus(containerId).then((st) => (st.state === "CONTAINER_EXITED" ? done() : undefined), () => done());
          }),
      };
      return stream;
    },

    async exec(namespace, name, request): Promise<PodExecSession> {
      const { kubelet, slot } = await locate(namespace, name, request.container);
      if (!slot.id || !slot.state?.running) throw badRequest(`container not found ("${slot.name}")`);
      const rt = kubelet.runtime.runtime;
      try {
        if (request.command) return await rt.exec({ containerId: slot.id!, cmd: request.command, stdin: request.stdin, tty: request.tty });
        return await rt.attach(slot.id!, request.stdin);
      } catch (err) {
        throw badRequest(err instanceof Error ? err.message : String(err));
      }
    },

    async portForward(namespace, name): Promise<PodPortForward> {
      const pod = await client.resource<Pod>("Pod").get(name, { namespace });
      const kubelet = pod.spec?.nodeName ? kubelets.get(pod.spec.nodeName) : undefined;
      if (!kubelet) throw badRequest(`pod ${name} does not have a host assigned`);
      const sandbox = kubelet.worker(namespace, name)?.sandbox;
      if (!sandbox || pod.status?.phase !== "Running") throw badRequest(`unable to upgrade connection: pod ${name} is not running (phase ${pod.status?.phase ?? "Pending"})`);
      let stack;
      try {
        stack = await kubelet.runtime.runtime.portForward(sandbox);
      } catch (err) {
        throw badRequest(err instanceof Error ? err.message : String(err));
      }
      const netns = `/var/run/netns/cni-${sandbox.slice(0, 8)}-${sandbox.slice(8, 12)}-${sandbox.slice(12, 16)}-${sandbox.slice(16, 20)}-${sandbox.slice(20, 32)}`;
      return {
        podName: sandbox,
        uid: "",
        // containerd dials localhost inside the sandbox's network namespace (IPv4, then IPv6).
        connect: (port) =>
          stack.connect("127.0.0.1", port, { timeoutMs: 1000 }).catch((err: unknown) => {
            const why = err instanceof Error && "code" in err && err.code === "ECONNREFUSED" ? "connect: connection refused" : err instanceof Error ? err.message : String(err);
            throw new Error(`failed to execute portforward in network namespace "${netns}": failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: ${why} IPv6 dial tcp6 [::1]:${port}: ${why} `);
          }),
      };
    },
  };
}
