import type { PluginReport } from "./compare.js";

const ms = (v: number | null): string => (v === null ? "never (within 10 min)" : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);

/** The comparison as Markdown: one table per aspect, the plugins side by side; modelled figures are labelled. */
export function reportMarkdown(reports: readonly PluginReport[], nodes: number): string {
  const names = reports.map((r) => r.name);
  const row = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  const head = (first: string): string[] => [row([first, ...names]), row([first, ...names].map(() => "---"))];
  const out = [`# Network plugins side by side (${nodes} nodes, virtual clock)`, "", "All figures come from kubesim's data-plane model (modelled, not measured on hardware).", ""];
  out.push("## Encapsulation and MTU", "", ...head("aspect"), row(["encapsulation", ...reports.map((r) => r.encapsulation)]), row(["pod MTU", ...reports.map((r) => String(r.podMtu))]), "");
  out.push("## Paths (traced)", "");
  for (const [i, p] of reports[0]!.paths.entries()) {
    out.push(`### ${p.path}`, "", ...head("figure"));
    out.push(row(["outcome", ...reports.map((r) => r.paths[i]!.outcome)]), row(["overhead per packet", ...reports.map((r) => `${r.paths[i]!.overhead} B`)]), row(["namespaces crossed", ...reports.map((r) => String(r.paths[i]!.hops))]), row(["devices", ...reports.map((r) => r.paths[i]!.devices.join(" → "))]), "");
  }
  out.push("pod → pod across subnets: not measured (kubesim's underlay is one L2 subnet).", "");
  out.push(`## Control-plane state on one worker (measured at ${nodes} nodes)`, "", ...head("entries"));
  for (const k of ["routes", "neighbours", "fdb", "iptablesRules", "bgpSessions", "bgpRoutes"] as const) out.push(row([k, ...reports.map((r) => String(r.state.measured[k]))]));
  out.push("", "### Growth with the node count (modelled: linear in the number of peers)", "", ...head("nodes: routes / BGP sessions per node"));
  for (const [i, g] of reports[0]!.state.growth.entries()) out.push(row([String(g.nodes), ...reports.map((r) => `${r.state.growth[i]!.state.routes} / ${r.state.growth[i]!.state.bgpSessions}`)]));
  out.push("", "## Convergence (virtual time)", "", ...head("event"));
  out.push(row(["node joins (until every node routes to its pods)", ...reports.map((r) => ms(r.convergence.join))]));
  out.push(row(["node link down (until routes to it are withdrawn)", ...reports.map((r) => (r.convergence.linkDown === null ? (r.name.startsWith("flannel") ? "never: the kube subnet manager reacts only to Node deletion" : "n/a (no BGP)") : ms(r.convergence.linkDown)))]));
  out.push(row(["Node deleted", ...reports.map((r) => ms(r.convergence.nodeDeleted))]), "");
  out.push("## Addresses and policy", "", ...head("aspect"), row(["per node", ...reports.map((r) => r.addressing.perNode)]), row(["addresses reserved per node (first allocation)", ...reports.map((r) => String(r.addressing.reservedPerNode))]), row(["NetworkPolicy", ...reports.map((r) => (r.networkPolicy.enforced ? "enforced" : "not enforced") + ` (${r.networkPolicy.detail})`)]), "");
  return out.join("\n");
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A horizontal bar chart as inline SVG. */
function barChart(title: string, bars: readonly { label: string; value: number }[], unit: string): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const h = 28 * bars.length + 30;
  const rows = bars.map((b, i) => `<text x="0" y="${40 + i * 28}" font-size="12">${esc(b.label)}</text><rect x="170" y="${28 + i * 28}" width="${Math.round((b.value / max) * 300)}" height="18" fill="#326ce5"/><text x="${176 + Math.round((b.value / max) * 300)}" y="${41 + i * 28}" font-size="12">${b.value} ${esc(unit)}</text>`);
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="560" height="${h}" role="img" aria-label="${esc(title)}"><text x="0" y="14" font-size="14" font-weight="bold">${esc(title)}</text>${rows.join("")}</svg>`;
}

/** A line chart (log-scale x) of routes per node against the node count. */
function growthChart(reports: readonly PluginReport[]): string {
  const colors = ["#326ce5", "#e5533d", "#2a9d58", "#9b59b6", "#f39c12", "#16a085"];
  const xs = reports[0]!.state.growth.map((g) => g.nodes);
  const max = Math.max(1, ...reports.flatMap((r) => r.state.growth.map((g) => g.state.routes)));
  const x = (n: number): number => 60 + ((Math.log10(n) - 1) / 2) * 400;
  const y = (v: number): number => 230 - (v / max) * 200;
  const lines = reports.map((r, i) => {
    const pts = r.state.growth.map((g) => `${x(g.nodes).toFixed(1)},${y(g.state.routes).toFixed(1)}`).join(" ");
    return `<polyline fill="none" stroke="${colors[i % colors.length]}" stroke-width="2" points="${pts}"/><text x="470" y="${30 + i * 16}" font-size="12" fill="${colors[i % colors.length]}">${esc(r.name)}</text>`;
  });
  const axis = xs.map((n) => `<text x="${x(n) - 10}" y="250" font-size="12">${n}</text>`).join("");
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="600" height="260" role="img" aria-label="routes per node"><text x="0" y="14" font-size="14" font-weight="bold">Routes per node vs nodes (modelled)</text><line x1="60" y1="230" x2="460" y2="230" stroke="#333"/><line x1="60" y1="30" x2="60" y2="230" stroke="#333"/><text x="0" y="35" font-size="12">${max}</text>${axis}${lines.join("")}</svg>`;
}

/** A path diagram: the devices a packet crosses, as boxes joined by arrows. */
function pathDiagram(name: string, devices: readonly string[]): string {
  const w = 110;
  const boxes = devices.map((d, i) => `<rect x="${i * (w + 20)}" y="20" width="${w}" height="28" rx="4" fill="#eef3fd" stroke="#326ce5"/><text x="${i * (w + 20) + 6}" y="38" font-size="11">${esc(d)}</text>${i < devices.length - 1 ? `<text x="${i * (w + 20) + w + 4}" y="38" font-size="12">→</text>` : ""}`);
  return `<svg class="path" xmlns="http://www.w3.org/2000/svg" width="${Math.max(200, devices.length * (w + 20))}" height="56"><text x="0" y="12" font-size="12" font-weight="bold">${esc(name)}</text>${boxes.join("")}</svg>`;
}

/** One self-contained HTML page: the Markdown's tables plus SVG charts and path diagrams (no scripts, no external files). */
export function reportHtml(reports: readonly PluginReport[], nodes: number): string {
  const md = reportMarkdown(reports, nodes);
  const body: string[] = [];
  let table: string[] | undefined;
  const flush = (): void => {
    if (!table) return;
    const [h, , ...rows] = table;
    const cells = (l: string): string[] => l.split("|").slice(1, -1).map((c) => c.trim());
    body.push(`<table><thead><tr>${cells(h!).map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${cells(r).map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`);
    table = undefined;
  };
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) {
      (table ??= []).push(line);
      continue;
    }
    flush();
    if (line.startsWith("### ")) body.push(`<h3>${esc(line.slice(4))}</h3>`);
    else if (line.startsWith("## ")) body.push(`<h2>${esc(line.slice(3))}</h2>`);
    else if (line.startsWith("# ")) body.push(`<h1>${esc(line.slice(2))}</h1>`);
    else if (line.trim()) body.push(`<p>${esc(line)}</p>`);
  }
  flush();
  const charts = [
    barChart("Per-packet overhead across nodes", reports.map((r) => ({ label: r.name, value: r.paths[1]!.overhead })), "B"),
    barChart("Pod MTU", reports.map((r) => ({ label: r.name, value: r.podMtu })), "B"),
    barChart("Routes on one worker", reports.map((r) => ({ label: r.name, value: r.state.measured.routes })), ""),
    growthChart(reports),
  ];
  const diagrams = reports.map((r) => pathDiagram(`${r.name}: pod → pod across nodes`, r.paths[1]!.devices));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kubesim: network plugins side by side</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f3f5f9}.chart,.path{display:block;margin:1em 0}</style>
</head><body>
${body.join("\n")}
<h2>Charts</h2>
${charts.join("\n")}
<h2>Paths</h2>
${diagrams.join("\n")}
</body></html>
`;
}
