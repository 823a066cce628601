import { ETCD, requireTool } from "../support/require-tool.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { EtcdStore } from "../../core/store/etcd-store.js";
import type { Store } from "../../core/store/store.js";
import { runStoreConformance } from "./store-conformance.js";

requireTool(ETCD);

// One etcd member for the suite; every store gets a prefix of its own (kube-apiserver's --etcd-prefix).
let etcd: EtcdCluster | undefined;
const stores: Store[] = [];
let n = 0;

runStoreConformance(
  "EtcdStore",
  async (options) => {
    etcd ??= await startEtcd(1);
    const store = await EtcdStore.open({ ...options, endpoints: etcd.endpoints, prefix: `/conformance-${++n}` });
    stores.push(store);
    return store;
  },
  async () => {
    for (const s of stores) await s.close();
    await etcd?.stop();
  },
);
