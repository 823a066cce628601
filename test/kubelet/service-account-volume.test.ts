/** The kube-api-access projected volume, kube-root-ca.crt in every namespace, and content volumes following their sources. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ConfigMap, Namespace, Pod, Secret, ServiceAccount } from "kubernetes-types/core/v1.js";
import { decodeJwt } from "jose";
import kcm from "../../plugins/kube-controller-manager/index.js";
import { SYNC_FREQUENCY_MS } from "../../plugins/kubelet/kubelet.js";
import { kubeletCluster, pod } from "./harness.js";

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

async function setup() {
  const h = await kubeletCluster({ extra: [kcm] });
  const { cluster, kubeletOf } = h;
  const cat = async (name: string, path: string): Promise<string> => {
    const w = kubeletOf().worker("default", name)!;
    const r = await kubeletOf().runtime.runtime.execSync(w.slots[0]!.id!, ["cat", path], 5);
    return r.exitCode === 0 ? r.stdout : `exit ${r.exitCode}: ${r.stderr}`;
  };
  const running = (name: string) => cluster.waitFor<Pod>("Pod", (p) => p.metadata?.name === name && p.status?.phase === "Running");
  await cluster.waitFor<ServiceAccount>("ServiceAccount", (sa) => sa.metadata?.name === "default" && sa.metadata.namespace === "default");
  return { ...h, cat, running };
}

test("the root CA publisher puts kube-root-ca.crt into every namespace and restores it", async () => {
  const { cluster } = await setup();
  try {
    const cms = cluster.client.resource<ConfigMap>("ConfigMap");
    const cm = await cluster.waitFor<ConfigMap>("ConfigMap", (c) => c.metadata?.name === "kube-root-ca.crt" && c.metadata.namespace === "kube-system");
    assert.match(cm.data?.["ca.crt"] ?? "", /^-----BEGIN CERTIFICATE-----\r?\n/);
    assert.match(cm.metadata?.annotations?.["kubernetes.io/description"] ?? "", /^Contains a CA bundle that can be used to verify the kube-apiserver/);
    await cluster.client.resource<Namespace>("Namespace").create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
    const inNew = await cluster.waitFor<ConfigMap>("ConfigMap", (c) => c.metadata?.name === "kube-root-ca.crt" && c.metadata.namespace === "team-a");
    assert.is(inNew.data?.["ca.crt"], cm.data?.["ca.crt"]);
    await cms.update({ ...inNew, data: { "ca.crt": "tampered" } });
    await cluster.clock.sleep(1000);
    assert.is((await cms.get("kube-root-ca.crt", { namespace: "team-a" })).data?.["ca.crt"], cm.data?.["ca.crt"]);
    await cms.delete("kube-root-ca.crt", { namespace: "team-a" });
    await cluster.clock.sleep(1000);
    assert.is((await cms.get("kube-root-ca.crt", { namespace: "team-a" })).data?.["ca.crt"], cm.data?.["ca.crt"]);
  } finally {
    await cluster.stop();
  }
});

test("ServiceAccount admission mounts kube-api-access-xxxxx; the pod reads its token, ca.crt and namespace", async () => {
  const { cluster, pods, cat, running } = await setup();
  try {
    const created = await pods.create(pod("app", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"] }] }));
    const vol = created.spec?.volumes?.find((v) => v.name.startsWith("kube-api-access-"));
    assert.match(vol?.name ?? "", /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(vol?.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" }, path: "namespace" }] } },
      ],
    });
    assert.equal(created.spec?.containers[0]?.volumeMounts, [{ name: vol!.name, readOnly: true, mountPath: SA_DIR }]);
    const app = await running("app");
    assert.is(await cat("app", `${SA_DIR}/namespace`), "default");
    const ca = (await cluster.client.resource<ConfigMap>("ConfigMap").get("kube-root-ca.crt", { namespace: "default" })).data?.["ca.crt"];
    assert.is(await cat("app", `${SA_DIR}/ca.crt`), ca);
    const claims = decodeJwt(await cat("app", `${SA_DIR}/token`)) as { sub: string; exp: number; iat: number; "kubernetes.io": { pod: { name: string; uid: string }; node: { name: string } } };
    assert.is(claims.sub, "system:serviceaccount:default:default");
    assert.is(claims.exp - claims.iat, 3607);
    assert.equal(claims["kubernetes.io"].pod, { name: "app", uid: app.metadata!.uid });
    assert.is(claims["kubernetes.io"].node.name, "node-1");

    const opted = await pods.create(pod("no-token", { automountServiceAccountToken: false, containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"] }] }));
    assert.is(opted.spec?.volumes, undefined);
    await running("no-token");
    assert.match(await cat("no-token", `${SA_DIR}/namespace`), /^exit 1: .*No such file or directory/);
  } finally {
    await cluster.stop();
  }
});

test("the kubelet rotates the pod's token after 80% of its lifetime", async () => {
  const { cluster, pods, cat, running } = await setup();
  try {
    await pods.create(pod("app", { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"] }] }));
    await running("app");
    const first = await cat("app", `${SA_DIR}/token`);
    await cluster.clock.sleep(30 * 60_000);
    assert.is(await cat("app", `${SA_DIR}/token`), first);
    await cluster.clock.sleep(20 * 60_000); // past 0.8 × 3607 s
    const second = await cat("app", `${SA_DIR}/token`);
    assert.is.not(second, first);
    assert.ok((decodeJwt(second).iat ?? 0) > (decodeJwt(first).iat ?? 0));
  } finally {
    await cluster.stop();
  }
});

test("configMap, secret and projected volumes of a running pod follow their sources within the sync period; subPath mounts do not", async () => {
  const { cluster, pods, cat, running } = await setup();
  try {
    const cms = cluster.client.resource<ConfigMap>("ConfigMap");
    const secrets = cluster.client.resource<Secret>("Secret");
    await cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "default" }, data: { "app.conf": "v1", other: "x" } });
    await secrets.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "pw", namespace: "default" }, data: { password: Buffer.from("s3cret").toString("base64") } });
    await pods.create(pod("app", {
      volumes: [
        { name: "cfg", configMap: { name: "cfg" } },
        { name: "pw", secret: { secretName: "pw" } },
        { name: "both", projected: { sources: [{ configMap: { name: "cfg", items: [{ key: "app.conf", path: "conf" }] } }, { secret: { name: "pw" } }] } },
      ],
      containers: [{
        name: "c", image: "busybox:1.36", command: ["sleep", "infinity"],
        volumeMounts: [{ name: "cfg", mountPath: "/etc/app" }, { name: "pw", mountPath: "/etc/pw" }, { name: "both", mountPath: "/etc/both" }, { name: "cfg", mountPath: "/etc/pinned.conf", subPath: "app.conf" }],
      }],
    }));
    await running("app");
    assert.is(await cat("app", "/etc/app/app.conf"), "v1");
    assert.is(await cat("app", "/etc/pw/password"), "s3cret");
    const cm = await cms.get("cfg", { namespace: "default" });
    await cms.update({ ...cm, data: { "app.conf": "v2" } });
    const s = await secrets.get("pw", { namespace: "default" });
    await secrets.update({ ...s, data: { password: Buffer.from("rotated").toString("base64") } });
    assert.is(await cat("app", "/etc/app/app.conf"), "v1"); // not before the kubelet's next sync
    await cluster.clock.sleep(SYNC_FREQUENCY_MS + 1000);
    assert.is(await cat("app", "/etc/app/app.conf"), "v2");
    assert.match(await cat("app", "/etc/app/other"), /^exit 1: .*No such file or directory/); // the key is gone: the whole content was swapped
    assert.is(await cat("app", "/etc/pw/password"), "rotated");
    assert.is(await cat("app", "/etc/both/conf"), "v2");
    assert.is(await cat("app", "/etc/both/password"), "rotated");
    assert.is(await cat("app", "/etc/pinned.conf"), "v1");
    await cms.delete("cfg", { namespace: "default" }); // a source that goes keeps its last content
    await cluster.clock.sleep(SYNC_FREQUENCY_MS + 1000);
    assert.is(await cat("app", "/etc/app/app.conf"), "v2");
  } finally {
    await cluster.stop();
  }
});

test.run();
