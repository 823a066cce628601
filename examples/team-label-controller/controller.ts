/**
 * The worked example of docs/writing-a-controller.md: a controller, written with the builder, that
 * copies a Namespace's `example.com/team` label onto its ConfigMaps — shipped as a plugin and run
 * in a cluster. Run it: node --import tsx examples/team-label-controller/controller.ts
 */
import type { ConfigMap, Namespace } from "kubernetes-types/core/v1.js";
import { pathToFileURL } from "node:url";
import { Cluster } from "../../core/cluster/cluster.js";
import { definePlugin } from "../../core/plugins/plugin.js";
import { Controllers, Manager, controllerFor, labelChanged, TerminalError, type Reconciler } from "../../core/controller/index.js";

const LABEL = "example.com/team";

/** Copies the Namespace's `example.com/team` label onto every ConfigMap in it. */
export function teamLabelController(mgr: Manager): void {
  const namespaces = mgr.informers.forResource<Namespace>("Namespace").lister();
  const configMaps = mgr.informers.forResource<ConfigMap>("ConfigMap").lister();
  const recorder = mgr.getEventRecorderFor("team-label-controller");

  const reconciler: Reconciler = {
    async reconcile(req, { log }) {
      const ns = namespaces.get(req.name);
      if (!ns) return; // deleted: nothing to do
      const team = ns.metadata?.labels?.[LABEL];
      if (team !== undefined && !/^[a-z0-9-]{1,63}$/.test(team)) {
        recorder.eventf(ns, "Warning", "InvalidTeam", "label %s=%q is not a valid team name", LABEL, team);
        throw new TerminalError(`invalid team ${team}`); // retrying will not fix it
      }
      let changed = 0;
      for (const cm of configMaps.namespace(req.name).list()) {
        if (cm.metadata?.labels?.[LABEL] === team) continue;
        // A merge patch with null removes the label.
        await mgr.client.resource<ConfigMap>("ConfigMap").patch(cm.metadata!.name!, "merge", { metadata: { labels: { [LABEL]: team ?? null } } }, { namespace: req.name });
        changed++;
      }
      if (changed > 0) {
        log.info("labelled config maps", { changed });
        recorder.eventf(ns, "Normal", "TeamLabelCopied", "set %s on %d ConfigMap(s)", LABEL, changed);
      }
      return { requeueAfter: 10 * 60_000 }; // re-check every 10 minutes anyway
    },
  };

  controllerFor(mgr)
    .named("team-label")
    .for("Namespace", { predicates: [labelChanged] }) // Namespace label changes
    .watches<ConfigMap>("ConfigMap", (cm) => [{ name: cm.metadata!.namespace! }]) // new or changed ConfigMaps
    .withOptions({ maxConcurrentReconciles: 2 })
    .complete(reconciler);
}

/** The controller as a plugin: contributed to the Controllers extension point, run by the cluster's manager. */
export const teamLabelPlugin = definePlugin({
  name: "team-label-controller",
  setup(ctx) {
    ctx.contribute(Controllers, "team-label", { name: "team-label", setup: teamLabelController });
  },
});

/** Runs the controller in a cluster on a virtual clock; returns the label it set and the Event it recorded. */
export async function main(): Promise<Record<string, string | undefined>> {
  const cluster = new Cluster({ clock: "virtual", seed: 42 }).use(teamLabelPlugin);
  await cluster.start();
  const client = cluster.client;
  try {
    await client.resource<Namespace>("Namespace").create({ metadata: { name: "shop", labels: { [LABEL]: "payments" } } });
    await client.resource<ConfigMap>("ConfigMap").create({ metadata: { name: "settings", namespace: "shop" }, data: { currency: "EUR" } });
    // Wait (through the informers, on the cluster clock) until the controller has labelled it.
    const cm = await cluster.waitFor<ConfigMap>("ConfigMap", (c) => c.metadata?.labels?.[LABEL] !== undefined, { namespace: "shop", timeout: 60_000 });
    const event = await cluster.waitFor("Event", (e) => (e as { reason?: string }).reason === "TeamLabelCopied", { timeout: 60_000 });
    return { label: cm.metadata?.labels?.[LABEL], event: (event as { message?: string }).message };
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) console.log(await main());
