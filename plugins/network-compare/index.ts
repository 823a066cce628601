import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { definePlugin } from "../../core/plugins/plugin.js";
import { compareNetworks, type CompareOptions, type PluginReport } from "./compare.js";
import { reportHtml, reportMarkdown } from "./report.js";

export { compareNetworks, parseCniVariant, type CompareOptions, type PluginReport, type PathFigures, type StateFigures, type CniVariant } from "./compare.js";
export { reportMarkdown, reportHtml } from "./report.js";

/** `kubesim compare`: runs the comparison and writes `report.md` and `report.html` into `out`. */
export async function writeComparison(options: CompareOptions & { out: string }): Promise<{ reports: PluginReport[]; files: string[] }> {
  const reports = await compareNetworks(options);
  mkdirSync(options.out, { recursive: true });
  const nodes = Math.max(3, options.nodes ?? 5);
  const files = [join(options.out, "report.md"), join(options.out, "report.html")];
  writeFileSync(files[0]!, reportMarkdown(reports, nodes));
  writeFileSync(files[1]!, reportHtml(reports, nodes));
  return { reports, files };
}

/** A library plugin: loading it contributes nothing; it carries compareNetworks for code and the CLI. */
export default definePlugin({
  name: "network-compare",
  description: "kubesim compare: flannel and Calico variants side by side (paths, MTU, state, convergence, policy)",
  setup() {},
});
