// The worked example of docs/writing-a-controller.md (kept identical; run by team-label-example.test.ts).
import type { ConfigMap, Namespace } from "kubernetes-types/core/v1.js";
import { createControlPlane } from "../../core/apiserver/control-plane.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";
import { SeededRandom } from "../../core/clock/random.js";
import { createLogger } from "../../core/log/logger.js";
import { SharedInformerFactory } from "../../core/informers/shared-informer-factory.js";
import { Manager, controllerFor, labelChanged, TerminalError, type Reconciler } from "../../core/controller/index.js";

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

/** Runs the controller against an in-process control plane on a virtual clock; returns the labels it set. */
export async function main(): Promise<Record<string, string | undefined>> {
  const clock = new VirtualClock();
  const random = new SeededRandom(42);
  const log = createLogger("example", { level: "warn" });
  const { client, registry } = await createControlPlane({ clock, random, log });
  const informers = new SharedInformerFactory({ client, clock, registry });
  const mgr = new Manager({ client, informers, clock, log, random, registry });
  teamLabelController(mgr);
  await mgr.start();

  await client.resource<Namespace>("Namespace").create({ metadata: { name: "shop", labels: { [LABEL]: "payments" } } });
  await client.resource<ConfigMap>("ConfigMap").create({ metadata: { name: "settings", namespace: "shop" }, data: { currency: "EUR" } });
  await clock.advance(1_000); // lets the watches deliver and the controller run

  const cm = await client.resource<ConfigMap>("ConfigMap").get("settings", { namespace: "shop" });
  const events = await client.resource("Event").list({ namespace: "default", fieldSelector: "involvedObject.name=shop" });
  await mgr.stop();
  return { label: cm.metadata?.labels?.[LABEL], event: events.items[0]?.["message"] as string | undefined };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await main());
