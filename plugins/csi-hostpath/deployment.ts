import type { KubeObject } from "../../core/api/object.js";
import { KUBELET_PLUGINS_DIR, PLUGINS_REGISTRY_DIR } from "../../core/csi/plugin-registration.js";
import { NODE_DRIVER_REGISTRAR_IMAGE } from "../../core/csi/driver-pods.js";
import { HOSTPATH_DATA_DIR, HOSTPATH_DRIVER_NAME, HOSTPATH_VERSION } from "./hostpath-driver.js";

export const HOSTPATH_IMAGE = `registry.k8s.io/sig-storage/hostpathplugin:${HOSTPATH_VERSION}`;
/** The sidecar images of the controller pod (served by the csi-sidecars plugin). */
export const SIDECAR_IMAGES = {
  "csi-provisioner": "registry.k8s.io/sig-storage/csi-provisioner:v5.1.0",
  "csi-attacher": "registry.k8s.io/sig-storage/csi-attacher:v4.7.0",
  "csi-resizer": "registry.k8s.io/sig-storage/csi-resizer:v1.12.0",
  "csi-snapshotter": "registry.k8s.io/sig-storage/csi-snapshotter:v8.1.0",
} as const;
export const HOSTPATH_NAMESPACE = "kube-system";
export const HOSTPATH_NODE_DAEMONSET = "csi-hostpath-node";
export const HOSTPATH_CONTROLLER = "csi-hostpath-controller";
/** Where the node pods' driver serves CSI on each node (the registrar's `--kubelet-registration-path`). */
export const HOSTPATH_SOCKET_DIR = `${KUBELET_PLUGINS_DIR}/csi-hostpath`;

const labels = (component: string): Record<string, string> => ({ "app.kubernetes.io/instance": HOSTPATH_DRIVER_NAME, "app.kubernetes.io/part-of": "csi-driver-host-path", "app.kubernetes.io/name": `csi-hostpath-${component}`, "app.kubernetes.io/component": component });

const driverEnv = [
  { name: "CSI_ENDPOINT", value: "unix:///csi/csi.sock" },
  { name: "KUBE_NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } },
];

/**
 * csi-driver-host-path deployed as a real cluster runs it (kube-system): the node DaemonSet
 * `csi-hostpath-node` — the hostpath driver serving its node service on
 * `/var/lib/kubelet/plugins/csi-hostpath/csi.sock` and the node-driver-registrar registering it
 * with the kubelet — and the controller StatefulSet `csi-hostpath-controller`: the driver serving
 * its controller service with the provisioner, attacher, resizer and snapshotter sidecars.
 */
export function hostPathDeployment(): KubeObject[] {
  const node = labels("node");
  const controller = labels("controller");
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "csi-hostpathplugin-sa", namespace: HOSTPATH_NAMESPACE, labels: { "app.kubernetes.io/part-of": "csi-driver-host-path" } } },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: HOSTPATH_NODE_DAEMONSET, namespace: HOSTPATH_NAMESPACE, labels: node },
      spec: {
        selector: { matchLabels: node },
        template: {
          metadata: { labels: node },
          spec: {
            serviceAccountName: "csi-hostpathplugin-sa",
            priorityClassName: "system-node-critical",
            tolerations: [{ operator: "Exists" }],
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: "hostpath",
                image: HOSTPATH_IMAGE,
                args: ["--drivername=hostpath.csi.k8s.io", "--v=5", "--endpoint=$(CSI_ENDPOINT)", "--nodeid=$(KUBE_NODE_NAME)"],
                env: driverEnv,
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: "socket-dir", mountPath: "/csi" },
                  { name: "mountpoint-dir", mountPath: "/var/lib/kubelet/pods", mountPropagation: "Bidirectional" },
                  { name: "plugins-dir", mountPath: KUBELET_PLUGINS_DIR, mountPropagation: "Bidirectional" },
                  { name: "csi-data-dir", mountPath: "/csi-data-dir" },
                ],
              },
              {
                name: "node-driver-registrar",
                image: NODE_DRIVER_REGISTRAR_IMAGE,
                args: ["--v=5", "--csi-address=/csi/csi.sock", `--kubelet-registration-path=${HOSTPATH_SOCKET_DIR}/csi.sock`],
                securityContext: { privileged: true },
                env: [{ name: "KUBE_NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }],
                volumeMounts: [
                  { name: "socket-dir", mountPath: "/csi" },
                  { name: "registration-dir", mountPath: "/registration" },
                  { name: "csi-data-dir", mountPath: "/csi-data-dir" },
                ],
              },
            ],
            volumes: [
              { name: "socket-dir", hostPath: { path: HOSTPATH_SOCKET_DIR, type: "DirectoryOrCreate" } },
              { name: "mountpoint-dir", hostPath: { path: "/var/lib/kubelet/pods", type: "DirectoryOrCreate" } },
              { name: "registration-dir", hostPath: { path: PLUGINS_REGISTRY_DIR, type: "Directory" } },
              { name: "plugins-dir", hostPath: { path: KUBELET_PLUGINS_DIR, type: "Directory" } },
              { name: "csi-data-dir", hostPath: { path: HOSTPATH_DATA_DIR, type: "DirectoryOrCreate" } },
            ],
          },
        },
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: HOSTPATH_CONTROLLER, namespace: HOSTPATH_NAMESPACE, labels: controller },
      spec: {
        serviceName: "hostpath-service",
        replicas: 1,
        selector: { matchLabels: controller },
        template: {
          metadata: { labels: controller },
          spec: {
            serviceAccountName: "csi-hostpathplugin-sa",
            tolerations: [{ operator: "Exists" }],
            terminationGracePeriodSeconds: 1,
            containers: [
              { name: "hostpath", image: HOSTPATH_IMAGE, args: ["--drivername=hostpath.csi.k8s.io", "--v=5", "--endpoint=$(CSI_ENDPOINT)"], env: [driverEnv[0]!], volumeMounts: [{ name: "socket-dir", mountPath: "/csi" }] },
              ...Object.entries(SIDECAR_IMAGES).map(([name, image]) => ({ name, image, args: ["--v=5", "--csi-address=/csi/csi.sock", ...(name === "csi-provisioner" ? ["--feature-gates=Topology=true", "--enable-capacity", "--capacity-ownerref-level=0", "--node-deployment=false", "--strict-topology=true", "--immediate-topology=false", "--worker-threads=5"] : [])], volumeMounts: [{ name: "socket-dir", mountPath: "/csi" }] })),
            ],
            volumes: [{ name: "socket-dir", emptyDir: {} }],
          },
        },
      },
    },
  ] as KubeObject[];
}
