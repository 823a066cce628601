import { randomBytes } from "node:crypto";
import type { ImageDefinition } from "../../../core/cri/images.js";
import type { Program } from "../../../core/cri/process.js";
import { USERLAND, serveHttp, untilSignal } from "../../images/index.js";
import { Indices } from "./indices.js";
import { ES_VERSION, restHandler } from "./rest.js";

/** Running Elasticsearch nodes' indices, by pod hostname (tests look inside). */
export type EsNodes = Map<string, Indices>;

/**
 * `/usr/share/elasticsearch/bin/elasticsearch` as the official image runs it single-node
 * (`discovery.type=single-node`, security off): HTTP on 9200 serving the REST subset of
 * {@link restHandler} over in-memory indices, the transport port 9300 bound, ES's JSON log lines
 * on stdout.
 */
function elasticsearchProgram(nodes?: EsNodes): Program {
  return async (p) => {
    const now = (): string => new Date(p.clock.now()).toISOString();
    const logLine = (message: string, logger: string): void =>
      p.stdout(JSON.stringify({ "@timestamp": now(), "log.level": "INFO", message, "ecs.version": "1.2.0", "service.name": "ES_ECS", "event.dataset": "elasticsearch.server", "process.thread.name": "main", "log.logger": logger, "elasticsearch.node.name": p.hostname, "elasticsearch.cluster.name": p.env["cluster.name"] ?? "docker-cluster" }) + "\n");
    logLine(`version[${ES_VERSION}], pid[1], build[docker/1a77947f34deddb41af25e6f0ddb8e830159c179/2024-08-05T10:05:34.233336849Z], OS[Linux/6.1.0/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/22.0.1/22.0.1+8-16]`, "org.elasticsearch.node.Node");
    await p.sleep(3000);
    const indices = new Indices(() => p.clock.now());
    const handler = restHandler(indices, { name: p.hostname, clusterName: p.env["cluster.name"] ?? "docker-cluster", clusterUuid: randomBytes(16).toString("base64url").slice(0, 22) });
    serveHttp(p, 9200, handler);
    p.net.listen("TCP", 9300, (conn) => conn.on("end", () => conn.end()));
    p.use({ memoryBytes: 700_000_000, cpuMillis: 20 });
    nodes?.set(p.hostname, indices);
    logLine(`publish_address {${p.net.addresses[0] ?? "127.0.0.1"}:9200}, bound_addresses {[::]:9200}`, "org.elasticsearch.http.AbstractHttpServerTransport");
    logLine("started {" + p.hostname + "}", "org.elasticsearch.node.Node");
    try {
      return await untilSignal(p, (s) => (s === "SIGTERM" || s === "SIGINT" ? (logLine("stopped", "org.elasticsearch.node.Node"), 0) : undefined));
    } finally {
      if (nodes?.get(p.hostname) === indices) nodes.delete(p.hostname);
    }
  };
}

/** `docker.elastic.co/elasticsearch/elasticsearch`. */
export function elasticsearchImage(nodes?: EsNodes): ImageDefinition {
  const server = elasticsearchProgram(nodes);
  return {
    repository: "docker.elastic.co/elasticsearch/elasticsearch",
    tags: [ES_VERSION, "8.15.1", "8.14.3", "8.13.4", "7.17.24"],
    size: 713_503_116,
    layers: ["sha256:ubuntu-20.04-layer", "sha256:elasticsearch-jdk-layer", "sha256:elasticsearch-8.15-layer"],
    config: { entrypoint: ["/bin/tini", "--", "/usr/local/bin/docker-entrypoint.sh"], cmd: ["eswrapper"], exposedPorts: ["9200/tcp", "9300/tcp"], user: "1000:0", workingDir: "/usr/share/elasticsearch" },
    // tini and the entrypoint script exec the server: one process, as `ps` in the real container shows (PID 1 aside).
    programs: { ...USERLAND, tini: server, "docker-entrypoint.sh": server, elasticsearch: server },
  };
}
