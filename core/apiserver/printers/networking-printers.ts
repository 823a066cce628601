import type { Ingress, IngressClass, NetworkPolicy } from "kubernetes-types/networking/v1.js";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { formatLabelSelector } from "./format-labels.js";
import { ageColumn, column, objectAge, objectName, nameColumn, type TablePrinter } from "./printer.js";
import { listWithMore, loadBalancerAddresses } from "./printer-cells.js";


export const ingressPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    ageColumn(),
  ],
  row(obj, ctx) {
    const ing = obj as unknown as Ingress;
    const rules = ing.spec?.rules ?? [];
    const hosts: string[] = [];
    for (const r of rules) if (hosts.length < 3 && r.host) hosts.push(r.host);
    let hostText = hosts.length ? hosts.join(",") : "*";
    if (rules.length > 3 && hosts.length === 3) hostText += ` + ${rules.length - 3} more...`;
    const ports = ing.spec?.tls?.length ? "80, 443" : "80";
    return { cells: [objectName(obj), ing.spec?.ingressClassName ?? "<none>", hostText, loadBalancerAddresses(ing.status?.loadBalancer?.ingress, true), ports, objectAge(obj, ctx)] };
  },
};

export const ingressClassPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    ageColumn(),
  ],
  row(obj, ctx) {
    const ic = obj as unknown as IngressClass;
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ""}/${p.name}` : "<none>";
    return { cells: [objectName(obj), ic.spec?.controller ?? "", parameters, objectAge(obj, ctx)] };
  },
};

export const networkPolicyPrinter: TablePrinter = {
  columns: [nameColumn(), column("Pod-Selector", "string", "io.k8s.api.networking.v1.NetworkPolicySpec#podSelector"), ageColumn()],
  row: (obj, ctx) => ({ cells: [objectName(obj), formatLabelSelector((obj as unknown as NetworkPolicy).spec?.podSelector), objectAge(obj, ctx)] }),
};

const DISCOVERY = "io.k8s.api.discovery.v1.EndpointSlice";

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column("AddressType", "string", `${DISCOVERY}#addressType`),
    column("Ports", "string", `${DISCOVERY}#ports`),
    column("Endpoints", "string", `${DISCOVERY}#endpoints`),
    ageColumn(),
  ],
  row(obj, ctx) {
    const slice = obj as unknown as EndpointSlice;
    const portList = slice.ports ?? [];
    const ports = portList.slice(0, 3).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? "*")));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses);
    return { cells: [objectName(obj), slice.addressType, listWithMore(ports, portList.length, 3), listWithMore(addresses.slice(0, 3), addresses.length, 3), objectAge(obj, ctx)] };
  },
};
