import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import type { Clock } from "../../clock/clock.js";
import type { Logger } from "../../log/logger.js";
import type { KubeObject } from "../../api/object.js";
import type { RegisteredType, ResourceRegistry } from "../../api/resource-registry.js";
import { isStatusError } from "../../api/status.js";
import { CUSTOM_RESOURCE_CLEANUP_FINALIZER } from "../../api/builtin/apiextensions/index.js";
import { rfc3339 } from "../../api/time.js";
import { semanticEqual } from "../../api/validation/semantic-equal.js";
import type { ApiServer } from "../api-server.js";
import type { Watch } from "../../client/client.js";
import { isCrdConditionTrue, setCrdCondition } from "./crd-conditions.js";
import { calculateNames, takenNames } from "./crd-names.js";
import { customResourceTypes } from "./custom-resource-type.js";
import type { ServingState } from "./custom-resource-strategy.js";
import { webhookConverter } from "./webhook-converter.js";
import type { ServiceResolver } from "../webhooks/webhook-client.js";
import type { ConverterLookup } from "./custom-resource-converters.js";

export interface CrdControllerOptions {
  apiServer: ApiServer;
  registry: ResourceRegistry;
  clock: Clock;
  log: Logger;
  /** The types served natively (their names are taken in their groups). */
  isBuiltIn: (t: RegisteredType) => boolean;
  /** How conversion webhooks' Services are reached (as admission webhooks'). */
  resolveWebhookService: ServiceResolver;
  /** Conversion functions plugins contributed (CustomResourceConverters), used by `Webhook` CRDs instead of their clientConfig. */
  converters?: ConverterLookup;
}

const CRD_GROUP = "apiextensions.k8s.io";
const FIELD_MANAGER = "kube-apiserver";
/** How long the finalizer waits before checking again for custom resources still being deleted. */
const CLEANUP_RECHECK_MS = 5_000;

/**
 * apiextensions-apiserver's naming and establishing controllers and its serving side, run inside
 * the API server: on every CRD change the accepted names and the NamesAccepted and Established
 * conditions are written to its status; an Established CRD's served versions join the resource
 * registry (so discovery, OpenAPI, REST handlers and informers follow), and leave it when the CRD
 * is deleted or stops serving them. Events are handled one at a time, in order.
 */
export class CrdController {
  private readonly crds = new Map<string, CustomResourceDefinition>();
  /** Per CRD: the registered types and the fingerprint they were built from. */
  private readonly served = new Map<string, { key: string; types: RegisteredType[]; state: ServingState }>();
  private readonly rechecks = new Map<string, ReturnType<Clock["setTimeout"]>>();
  private chain: Promise<void> = Promise.resolve();
  private watch: Watch | undefined;
  private stopped = false;

  constructor(private readonly o: CrdControllerOptions) {}

  private get crdType(): RegisteredType {
    return this.o.registry.byGroupVersionResource(CRD_GROUP, "v1", "customresourcedefinitions")!;
  }

  /** Starts watching CRDs (with the initial list) and settles the ones already stored. */
  async start(): Promise<void> {
    this.watch = await this.o.apiServer.watch(this.crdType, undefined, { resourceVersion: "0" }, (event) => {
      if (event.type === "BOOKMARK" || event.type === "ERROR") return;
      const crd = event.object as unknown as CustomResourceDefinition;
      const name = crd.metadata!.name!;
      if (event.type === "DELETED") this.crds.delete(name);
      else this.crds.set(name, crd);
      this.enqueue(name);
    });
    await this.idle();
  }

  /** Resolves once every event received so far is handled. */
  idle(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    for (const t of this.rechecks.values()) this.o.clock.clearTimeout(t);
    this.rechecks.clear();
  }

  private enqueue(name: string): void {
    this.chain = this.chain.then(() => this.sync(name)).catch((err) => this.o.log.error("CRD sync failed", { crd: name, error: err }));
  }

  private async sync(name: string): Promise<void> {
    if (this.stopped) return;
    const crd = this.crds.get(name);
    if (!crd) {
      this.unserve(name);
      return;
    }
    if (crd.metadata?.deletionTimestamp) {
      if (crd.metadata.finalizers?.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) await this.finalize(crd);
      return;
    }
    const updated = await this.writeStatus(crd);
    if (updated) return; // the status write comes back as an event
    if (isCrdConditionTrue(crd, "Established")) this.serve(crd);
    else this.unserve(name);
  }

  /** Naming then establishing: writes the status when it differs; true when a write was made. */
  private async writeStatus(crd: CustomResourceDefinition): Promise<boolean> {
    const builtIns = this.o.registry.all().filter((t) => this.o.isBuiltIn(t)).map((t) => t.descriptor);
    const naming = calculateNames(crd, takenNames(crd.spec.group, crd.metadata!.name!, this.crds.values(), builtIns));
    const now = rfc3339(this.o.clock.now());
    let conditions = setCrdCondition(crd.status?.conditions, naming.namesAccepted, now);
    conditions = setCrdCondition(conditions, naming.established, now);
    // The establishing controller: accepted names make the CRD Established.
    if (naming.namesAccepted.status === "True" && naming.established.status !== "True") {
      conditions = setCrdCondition(conditions, { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" }, now);
    }
    const status = { ...crd.status, acceptedNames: naming.acceptedNames, conditions, storedVersions: crd.status?.storedVersions ?? [] };
    if (semanticEqual(status, crd.status)) return false;
    const body = { ...crd, status } as unknown as KubeObject;
    try {
      await this.o.apiServer.updateSubresource(this.crdType, undefined, crd.metadata!.name!, "status", body, { fieldManager: FIELD_MANAGER });
      return true;
    } catch (err) {
      // A newer version is on its way as an event; a deleted CRD is gone.
      if (isStatusError(err, "Conflict") || isStatusError(err, "NotFound")) return true;
      throw err;
    }
  }

  /**
   * The CRD finalizer (crd_finalizer.go): creates are refused from now on, every custom resource
   * is deleted (waiting for their own finalizers, checking again every few seconds), then the
   * Terminating condition says how it went and the cleanup finalizer is removed, which lets the
   * CRD go.
   */
  private async finalize(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata!.name!;
    const entry = this.served.get(name);
    let condition: { status: string; reason: string; message: string };
    if (entry && entry.types.length && isCrdConditionTrue(crd, "Established")) {
      entry.state.terminating = true;
      await this.writeTerminating(crd, { status: "True", reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress" });
      const type = entry.types[0]!;
      try {
        await this.o.apiServer.deleteCollection(type, undefined, {});
      } catch (err) {
        await this.writeTerminating(crd, { status: "False", reason: "InstanceDeletionFailed", message: `could not issue all deletes: ${(err as Error).message}` });
        this.recheck(name);
        return;
      }
      const left = await this.o.apiServer.list(type, undefined, { limit: 1 });
      if (left.items.length) {
        this.recheck(name);
        return;
      }
      condition = { status: "False", reason: "InstanceDeletionCompleted", message: "removed all instances" };
    } else {
      condition = { status: "False", reason: "NeverEstablished", message: "resource was never established" };
    }
    this.unserve(name);
    await this.writeTerminating(crd, condition);
    const finalizers = (crd.metadata?.finalizers ?? []).filter((f) => f !== CUSTOM_RESOURCE_CLEANUP_FINALIZER);
    try {
      await this.o.apiServer.patch(this.crdType, undefined, name, "merge", { metadata: { finalizers: finalizers.length ? finalizers : null } }, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isStatusError(err, "NotFound")) throw err;
    }
  }

  private recheck(name: string): void {
    if (this.rechecks.has(name) || this.stopped) return;
    this.rechecks.set(name, this.o.clock.setTimeout(() => {
      this.rechecks.delete(name);
      this.enqueue(name);
    }, CLEANUP_RECHECK_MS));
  }

  /** Sets the Terminating condition on the stored CRD (when it changes). */
  private async writeTerminating(crd: CustomResourceDefinition, c: { status: string; reason: string; message: string }): Promise<void> {
    const name = crd.metadata!.name!;
    for (let attempt = 0; attempt < 5; attempt++) {
      let current: CustomResourceDefinition;
      try {
        current = (await this.o.apiServer.get(this.crdType, undefined, name)) as unknown as CustomResourceDefinition;
      } catch (err) {
        if (isStatusError(err, "NotFound")) return;
        throw err;
      }
      const old = current.status?.conditions?.find((x) => x.type === "Terminating");
      if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return;
      const conditions = setCrdCondition(current.status?.conditions, { type: "Terminating", ...c }, rfc3339(this.o.clock.now()));
      const body = { ...current, status: { ...current.status, conditions } } as unknown as KubeObject;
      try {
        await this.o.apiServer.updateSubresource(this.crdType, undefined, name, "status", body, { fieldManager: FIELD_MANAGER });
        return;
      } catch (err) {
        if (isStatusError(err, "NotFound")) return;
        if (!isStatusError(err, "Conflict")) throw err;
      }
    }
  }

  private serve(crd: CustomResourceDefinition): void {
    const name = crd.metadata!.name!;
    const key = `${crd.metadata?.generation ?? 0}\u0000${JSON.stringify(crd.status?.acceptedNames)}`;
    if (this.served.get(name)?.key === key) return;
    this.unserve(name);
    const types: RegisteredType[] = [];
    const state: ServingState = { terminating: false };
    const convert = crd.spec.conversion?.strategy === "Webhook" && crd.spec.conversion.webhook?.clientConfig ? webhookConverter(crd, this.o.resolveWebhookService, this.o.converters) : undefined;
    for (const registration of customResourceTypes(crd, state, convert)) {
      const d = registration.descriptor;
      if (this.o.registry.byGroupVersionResource(d.group, d.version, d.plural)) {
        this.o.log.warn("custom resource not served: its group/version/resource is taken", { crd: name, resource: `${d.plural}.${d.group}/${d.version}` });
        continue;
      }
      types.push(this.o.registry.add(registration));
    }
    this.served.set(name, { key, types, state });
  }

  private unserve(name: string): void {
    const entry = this.served.get(name);
    if (!entry) return;
    this.served.delete(name);
    for (const t of entry.types) this.o.registry.remove(t.descriptor.group, t.descriptor.version, t.descriptor.plural);
  }
}
