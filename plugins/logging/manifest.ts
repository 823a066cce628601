import type { KubeObject } from "../../core/api/object.js";
import { ES_VERSION } from "./elasticsearch/rest.js";
import { FLUENT_BIT_VERSION } from "./fluent-bit/image.js";

export const LOGGING_NAMESPACE = "logging";
export const ELASTICSEARCH_IMAGE = `docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}`;
export const FLUENT_BIT_IMAGE = `cr.fluentbit.io/fluent/fluent-bit:${FLUENT_BIT_VERSION}`;

/** Where the collector ships: the in-cluster Elasticsearch, or a Loki push URL. */
export type LogOutput = { kind: "elasticsearch"; host: string; port: number } | { kind: "loki"; url: URL };

/** fluent-bit's configuration as the fluent-bit-kubernetes-logging manifests write it, with the chosen output. */
export function fluentBitConf(output: LogOutput, flushSeconds = 1): string {
  const out =
    output.kind === "elasticsearch"
      ? `[OUTPUT]
    Name               es
    Match              kube.*
    Host               ${output.host}
    Port               ${output.port}
    Logstash_Format    On
    Logstash_Prefix    logstash
    Replace_Dots       On
    Suppress_Type_Name On
    Generate_ID        On
    Retry_Limit        False
`
      : `[OUTPUT]
    Name        loki
    Match       kube.*
    Host        ${output.url.hostname}
    Port        ${output.url.port || (output.url.protocol === "https:" ? 443 : 80)}
    Uri         ${output.url.pathname === "/" ? "/loki/api/v1/push" : output.url.pathname}
    Labels      job=fluent-bit
    Label_keys  $kubernetes['namespace_name'],$kubernetes['pod_name'],$kubernetes['container_name']
    Line_format json
    Retry_Limit False
`;
  return `[SERVICE]
    Flush         ${flushSeconds}
    Log_Level     info
    Daemon        off
    Parsers_File  parsers.conf
    HTTP_Server   On
    HTTP_Listen   0.0.0.0
    HTTP_Port     2020

[INPUT]
    Name              tail
    Tag               kube.*
    Path              /var/log/containers/*.log
    multiline.parser  docker, cri
    DB                /var/log/flb_kube.db
    Mem_Buf_Limit     5MB
    Skip_Long_Lines   On
    Refresh_Interval  10
    Read_from_Head    On

[FILTER]
    Name                kubernetes
    Match               kube.*
    Kube_URL            https://kubernetes.default.svc:443
    Kube_Tag_Prefix     kube.var.log.containers.
    Merge_Log           On
    Keep_Log            Off
    K8S-Logging.Parser  On
    K8S-Logging.Exclude Off
    Labels              On
    Annotations         Off

${out}`;
}

const PARSERS = `[MULTILINE_PARSER]
    name          cri
    type          regex
    flush_timeout 1000
    rule      "start_state"   "/^(?<time>.+) (?<stream>stdout|stderr) (?<_p>F|P) (?<log>.*)$/"  "cont"
`;

/**
 * The logging stack in namespace `logging`: a single-node Elasticsearch (Deployment and Service
 * `elasticsearch` on 9200) unless the output is Loki, and the fluent-bit DaemonSet (ServiceAccount
 * allowed to read pods and namespaces, ConfigMap `fluent-bit-config`, host `/var/log` mounted,
 * tolerating every taint so it runs on every node).
 */
export function loggingObjects(output: LogOutput, options: { flushSeconds?: number } = {}): KubeObject[] {
  const ns = LOGGING_NAMESPACE;
  const es = { app: "elasticsearch" };
  const fb = { "k8s-app": "fluent-bit-logging", "kubernetes.io/cluster-service": "true" };
  const objects: KubeObject[] = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } as KubeObject];
  if (output.kind === "elasticsearch") {
    objects.push(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "elasticsearch", namespace: ns, labels: es },
        spec: {
          replicas: 1,
          selector: { matchLabels: es },
          template: {
            metadata: { labels: es },
            spec: {
              containers: [
                {
                  name: "elasticsearch",
                  image: ELASTICSEARCH_IMAGE,
                  env: [
                    { name: "discovery.type", value: "single-node" },
                    { name: "xpack.security.enabled", value: "false" },
                    { name: "ES_JAVA_OPTS", value: "-Xms512m -Xmx512m" },
                  ],
                  ports: [
                    { containerPort: 9200, name: "http" },
                    { containerPort: 9300, name: "transport" },
                  ],
                  resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { memory: "1Gi" } },
                  readinessProbe: { httpGet: { path: "/_cluster/health?local=true", port: 9200 }, initialDelaySeconds: 5, periodSeconds: 5 },
                },
              ],
            },
          },
        },
      } as KubeObject,
      { apiVersion: "v1", kind: "Service", metadata: { name: "elasticsearch", namespace: ns, labels: es }, spec: { selector: es, ports: [{ name: "http", port: 9200, targetPort: 9200 }, { name: "transport", port: 9300, targetPort: 9300 }] } } as KubeObject,
    );
  }
  objects.push(
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "fluent-bit", namespace: ns } } as KubeObject,
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "fluent-bit-read" }, rules: [{ apiGroups: [""], resources: ["namespaces", "pods"], verbs: ["get", "list", "watch"] }] } as KubeObject,
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "fluent-bit-read" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "fluent-bit-read" }, subjects: [{ kind: "ServiceAccount", name: "fluent-bit", namespace: ns }] } as KubeObject,
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fluent-bit-config", namespace: ns, labels: { "k8s-app": "fluent-bit" } }, data: { "fluent-bit.conf": fluentBitConf(output, options.flushSeconds), "parsers.conf": PARSERS } } as KubeObject,
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "fluent-bit", namespace: ns, labels: { ...fb, version: "v1" } },
      spec: {
        selector: { matchLabels: { "k8s-app": "fluent-bit-logging" } },
        template: {
          metadata: { labels: { ...fb, version: "v1" }, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "2020", "prometheus.io/path": "/api/v1/metrics/prometheus" } },
          spec: {
            serviceAccountName: "fluent-bit",
            terminationGracePeriodSeconds: 10,
            containers: [
              {
                name: "fluent-bit",
                image: FLUENT_BIT_IMAGE,
                imagePullPolicy: "IfNotPresent",
                ports: [{ containerPort: 2020, name: "http" }],
                volumeMounts: [
                  { name: "varlog", mountPath: "/var/log" },
                  { name: "fluent-bit-config", mountPath: "/fluent-bit/etc/" },
                ],
              },
            ],
            volumes: [
              { name: "varlog", hostPath: { path: "/var/log" } },
              { name: "fluent-bit-config", configMap: { name: "fluent-bit-config" } },
            ],
            tolerations: [
              { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
              { operator: "Exists", effect: "NoExecute" },
              { operator: "Exists", effect: "NoSchedule" },
            ],
          },
        },
      },
    } as KubeObject,
  );
  return objects;
}
