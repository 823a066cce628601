import { uint32ToIpv4 } from "../ipv4.js";
import type { Ipvs } from "../ipvs.js";

/** `ipvsadm -Ln`. */
export function ipvsadmList(ipvs: Ipvs): string {
  const out = ["IP Virtual Server version 1.2.1 (size=4096)", "Prot LocalAddress:Port Scheduler Flags", "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"];
  const services = ipvs.all().sort((a, b) => a.proto.localeCompare(b.proto) || a.ip - b.ip || a.port - b.port);
  for (const vs of services) {
    out.push(`${vs.proto.toUpperCase().padEnd(4)} ${uint32ToIpv4(vs.ip)}:${vs.port} ${vs.scheduler}${vs.persistence ? ` persistent ${vs.persistence}` : ""}`);
    for (const r of vs.reals) out.push(`  -> ${`${uint32ToIpv4(r.ip)}:${r.port}`.padEnd(28)} ${"Masq".padEnd(7)} ${String(r.weight).padEnd(6)} ${String(r.activeConns).padEnd(10)} ${r.inactConns}`);
  }
  return out.join("\n") + "\n";
}
