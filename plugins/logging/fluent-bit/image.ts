import type { Pod } from "kubernetes-types/core/v1.js";
import { Counter, Registry } from "prom-client";
import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Process, Program } from "../../../core/cri/process.js";
import { httpGet } from "../../../core/cri/http.js";
import { resolveHost } from "../../../core/net/resolver.js";
import type { SharedInformerFactory } from "../../../core/informers/shared-informer-factory.js";
import { serveHttp } from "../../images/index.js";
import { onOff, parseFluentBitConfig } from "./config.js";
import { KubernetesFilter } from "./kubernetes-filter.js";
import { esOutput, lokiOutput, type HttpPost, type Output } from "./outputs.js";
import { TailInput } from "./tail.js";

export const FLUENT_BIT_VERSION = "3.1.9";

/** What the collector needs from the cluster: the pods its ServiceAccount reads in a real cluster. */
export interface FluentBitImageDeps {
  informers(): SharedInformerFactory | undefined;
}

/** `[2024/05/01 10:00:00] [ info] ` */
function stamp(ms: number, level: "info" | "warn" | "error"): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, "0");
  return `[${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}] [${level === "info" ? " info" : level}] `;
}

/** Seconds before the `n`th retry of a failed flush: exponential from 1 s, capped at 10 s. */
function retrySeconds(n: number): number {
  return Math.min(2 ** (n - 1), 10);
}

/** POST inside the cluster network: the name resolved as the container resolves it, then HTTP over the pod's namespace. */
function clusterPost(p: Process): HttpPost {
  return async (host, port, path, body, contentType) => {
    const ip = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : (await resolveHost({ fs: p.fs, net: p.net, clock: p.clock }, host)).addresses[0]!;
    const res = await httpGet(p.net, { host: ip, port, path, method: "POST", headers: { Host: `${host}:${port}`, "Content-Type": contentType }, body, timeoutMs: 10_000, clock: p.clock });
    return { status: res.status, body: res.body };
  };
}

/** POST to a host outside the cluster (an external Loki): the node's own network, real HTTP. */
const externalPost: HttpPost = async (host, port, path, body, contentType) => {
  const res = await fetch(`http://${host}:${port}${path}`, { method: "POST", headers: { "Content-Type": contentType }, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
};

/**
 * `/fluent-bit/bin/fluent-bit -c /fluent-bit/etc/fluent-bit.conf`: tails the node's container log
 * files (tail input with its offsets DB), adds the kubernetes metadata, and flushes every `Flush`
 * seconds to its outputs (`es`, `loki`); records are committed in the DB only once every output
 * accepted them, and a failed flush is retried on the next. Serves its HTTP API on 2020.
 */
function fluentBitProgram(deps: FluentBitImageDeps): Program {
  return async (p) => {
    const log = (level: "info" | "warn" | "error", m: string): void => p.stderr(`${stamp(p.clock.now(), level)}${m}\n`);
    const argv = p.argv.slice(1);
    const ci = argv.findIndex((a) => a === "-c" || a === "--config");
    const confPath = ci >= 0 ? argv[ci + 1]! : "/fluent-bit/etc/fluent-bit.conf";
    p.stdout(`Fluent Bit v${FLUENT_BIT_VERSION}\n* Copyright (C) 2015-2024 The Fluent Bit Authors\n* Fluent Bit is a CNCF sub-project under the umbrella of Fluentd\n* https://fluentbit.io\n\n`);
    const text = p.fs.read(confPath);
    if (text === undefined) {
      log("error", `[config] could not open configuration file ${confPath}`);
      return 1;
    }
    let sections;
    try {
      sections = parseFluentBitConfig(text, (path) => p.fs.read(path), confPath.slice(0, confPath.lastIndexOf("/")));
    } catch (err) {
      log("error", (err as Error).message);
      return 1;
    }
    const service = sections.find((s) => s.name === "SERVICE");
    const flushMs = Number(service?.get("Flush") ?? 1) * 1000;
    const input = sections.find((s) => s.name === "INPUT" && s.get("Name") === "tail");
    if (!input?.get("Path")) {
      log("error", "[input:tail] no input 'Path' was defined");
      return 1;
    }
    log("info", `[fluent bit] version=${FLUENT_BIT_VERSION}, commit=kubesim, pid=1`);
    log("info", "[storage] ver=1.5.2, type=memory, sync=normal, checksum=off, max_chunks_up=128");
    const tail = new TailInput(p.fs, input.get("Path")!, input.get("DB"), onOff(input.get("Read_from_Head"), false));
    log("info", "[input:tail:tail.0] initializing");
    const k8s = sections.find((s) => s.name === "FILTER" && s.get("Name") === "kubernetes");
    const informers = deps.informers();
    const pods = informers?.forResource<Pod>("Pod");
    if (pods) informers!.start();
    const filter = k8s ? new KubernetesFilter((ns, name) => pods?.lister().namespace(ns).get(name), { labels: onOff(k8s.get("Labels"), true), annotations: onOff(k8s.get("Annotations"), true), mergeLog: onOff(k8s.get("Merge_Log"), false) }) : undefined;
    if (k8s) log("info", "[filter:kubernetes:kubernetes.0] https=1 host=kubernetes.default.svc port=443");
    const outputs: Output[] = [];
    for (const o of sections.filter((s) => s.name === "OUTPUT")) {
      const name = o.get("Name");
      if (name === "es") {
        outputs.push(esOutput(clusterPost(p), { host: o.get("Host") ?? "127.0.0.1", port: Number(o.get("Port") ?? 9200), index: o.get("Index") ?? "fluent-bit", logstashFormat: onOff(o.get("Logstash_Format"), false), logstashPrefix: o.get("Logstash_Prefix") ?? "logstash", replaceDots: onOff(o.get("Replace_Dots"), false), generateId: onOff(o.get("Generate_ID"), false), path: o.get("Path") ?? "" }));
      } else if (name === "loki") {
        outputs.push(lokiOutput(externalPost, { host: o.get("Host") ?? "127.0.0.1", port: Number(o.get("Port") ?? 3100), uri: o.get("Uri") ?? "/loki/api/v1/push", labels: o.get("Labels") ?? "job=fluent-bit", labelKeys: o.get("Label_keys") ?? "" }));
      } else if (name !== "stdout" && name !== "null") {
        log("error", `[output] unknown output plugin '${name}'`);
        return 1;
      }
      log("info", `[output:${name}:${name}.0] worker #0 started`);
    }

    const registry = new Registry();
    const inputRecords = new Counter({ name: "fluentbit_input_records_total", help: "Number of input records.", labelNames: ["name"], registers: [registry] });
    const outputRecords = new Counter({ name: "fluentbit_output_proc_records_total", help: "Number of processed output records.", labelNames: ["name"], registers: [registry] });
    const outputErrors = new Counter({ name: "fluentbit_output_errors_total", help: "Number of output errors.", labelNames: ["name"], registers: [registry] });
    const outputRetries = new Counter({ name: "fluentbit_output_retries_total", help: "Number of output retries.", labelNames: ["name"], registers: [registry] });
    if (onOff(service?.get("HTTP_Server"), false)) {
      const port = Number(service?.get("HTTP_Port") ?? 2020);
      serveHttp(p, port, async (req) => {
        const path = req.path.split("?")[0];
        if (path === "/") return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ "fluent-bit": { version: FLUENT_BIT_VERSION, edition: "Community", flags: ["FLB_HAVE_PARSER", "FLB_HAVE_METRICS", "FLB_HAVE_HTTP_SERVER"] } }) };
        if (path === "/api/v1/health") return { status: 200, headers: { "Content-Type": "text/plain" }, body: "ok\n" };
        if (path === "/api/v1/metrics/prometheus") return { status: 200, headers: { "Content-Type": registry.contentType }, body: await registry.metrics() };
        return { status: 404, body: "" };
      });
      log("info", `[http_server] listen iface=0.0.0.0 tcp_port=${port}`);
    }
    log("info", "[sp] stream processor started");

    let stopping = false;
    p.onSignal((s) => {
      if (s === "SIGTERM" || s === "SIGINT" || s === "SIGQUIT") stopping = true;
    });
    let first = true;
    let failures = 0;
    for (;;) {
      const batch = tail.read(5000, first);
      first = false;
      if (batch.length) {
        inputRecords.inc({ name: "tail.0" }, batch.length);
        const records = batch.map((raw) => ({ raw, record: filter ? filter.apply(raw) : { time: raw.time, stream: raw.stream, log: raw.log } }));
        try {
          for (const o of outputs) {
            await o.send(records);
            outputRecords.inc({ name: o.name }, records.length);
          }
          tail.commit(batch);
          failures = 0;
        } catch (err) {
          failures++;
          for (const o of outputs) outputErrors.inc({ name: o.name });
          for (const o of outputs) outputRetries.inc({ name: o.name });
          log("warn", `[engine] failed to flush chunk '1-${Math.floor(p.clock.now() / 1000)}.flb', retry in ${retrySeconds(failures)} seconds: task_id=0, input=tail.0 > output=${outputs[0]?.name ?? "null"} (out_id=0): ${(err as Error).message}`);
        }
      }
      if (stopping) {
        log("info", "[engine] service has stopped (0 pending tasks)");
        return 0;
      }
      try {
        await p.sleep(failures ? retrySeconds(failures) * 1000 : batch.length >= 5000 ? 0 : flushMs);
      } catch {
        return 137;
      }
    }
  };
}

/** `cr.fluentbit.io/fluent/fluent-bit` (also `fluent/fluent-bit` on Docker Hub). */
export function fluentBitImages(deps: FluentBitImageDeps): ImageDefinition[] {
  const base = {
    tags: [FLUENT_BIT_VERSION, "3.1", "3.0.7", "2.2.3", "latest"],
    size: 34_812_001,
    layers: ["sha256:distroless-cc-layer", "sha256:fluent-bit-3.1-layer"],
    config: { entrypoint: ["/fluent-bit/bin/fluent-bit"], cmd: ["-c", "/fluent-bit/etc/fluent-bit.conf"], exposedPorts: ["2020/tcp"] },
    programs: { "fluent-bit": fluentBitProgram(deps) },
  };
  return [
    { repository: "cr.fluentbit.io/fluent/fluent-bit", ...base },
    { repository: "docker.io/fluent/fluent-bit", ...base },
  ];
}
