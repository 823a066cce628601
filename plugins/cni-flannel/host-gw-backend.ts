import type { NetNamespace } from "../../core/net/netns.js";
import { uint32ToIpv4 } from "../../core/net/ipv4.js";
import type { Backend } from "./backend.js";
import type { Lease } from "./lease.js";
import { directlyReachable } from "./vxlan-backend.js";

/**
 * flannel's host-gw backend: a plain route `<subnet> via <public IP> dev eth0` per remote lease, no
 * encapsulation (MTU stays the underlay's). It needs layer-2 adjacency: a peer behind a router is
 * refused as the kernel refuses the route (`network is unreachable`), and flanneld logs it.
 */
export class HostGwBackend implements Backend {
  readonly type = "host-gw";
  readonly mtu: number;
  readonly data = null;
  readonly errors: string[] = [];

  constructor(private readonly root: NetNamespace) {
    this.mtu = root.devices.get("eth0")!.mtu;
  }

  added(lease: Lease): void {
    if (lease.backendType !== "host-gw") {
      this.errors.push(`ignoring non-host-gw subnet ${lease.subnet}: type=${lease.backendType}`);
      return;
    }
    if (!directlyReachable(this.root, lease.publicIP)) {
      this.errors.push(`Error adding route to {Ifindex: 2 Dst: ${lease.subnet} Src: <nil> Gw: ${uint32ToIpv4(lease.publicIP)} Flags: [] Table: 0 Realm: 0}: network is unreachable`);
      return;
    }
    this.root.main.replace({ type: "unicast", network: lease.network, prefix: lease.prefix, via: lease.publicIP, dev: "eth0", scope: "global" });
    this.root.changed();
  }

  removed(lease: Lease): void {
    this.root.main.delete(lease.network, lease.prefix, undefined, (r) => r.dev === "eth0" && r.via === lease.publicIP);
    this.root.changed();
  }

  teardown(): void {}
}
