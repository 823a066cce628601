import type { CustomResourceDefinition } from "kubernetes-types/apiextensions/v1.js";
import type { Clock } from "../../clock/clock.js";
import type { Logger } from "../../log/logger.js";
import type { KubeObject } from "../../api/object.js";
import type { RegisteredType, ResourceRegistry } from "../../api/resource-registry.js";
import { isStatusError } from "../../api/status.js";
import { rfc3339 } from "../../api/time.js";
import { semanticEqual } from "../../api/validation/semantic-equal.js";
import type { ApiServer } from "../api-server.js";
import type { Watch } from "../../client/client.js";
import { isCrdConditionTrue, setCrdCondition } from "./crd-conditions.js";
import { calculateNames, takenNames } from "./crd-names.js";
import { customResourceTypes } from "./custom-resource-type.js";

export interface CrdControllerOptions {
  apiServer: ApiServer;
  registry: ResourceRegistry;
  clock: Clock;
  log: Logger;
  /** The types served natively (their names are taken in their groups). */
  isBuiltIn: (t: RegisteredType) => boolean;
}

const CRD_GROUP = "apiextensions.k8s.io";
const FIELD_MANAGER = "kube-apiserver";

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
  private readonly served = new Map<string, { key: string; types: RegisteredType[] }>();
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
      this.unserve(name);
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

  private serve(crd: CustomResourceDefinition): void {
    const name = crd.metadata!.name!;
    const key = `${crd.metadata?.generation ?? 0}\u0000${JSON.stringify(crd.status?.acceptedNames)}`;
    if (this.served.get(name)?.key === key) return;
    this.unserve(name);
    const types: RegisteredType[] = [];
    for (const registration of customResourceTypes(crd)) {
      const d = registration.descriptor;
      if (this.o.registry.byGroupVersionResource(d.group, d.version, d.plural)) {
        this.o.log.warn("custom resource not served: its group/version/resource is taken", { crd: name, resource: `${d.plural}.${d.group}/${d.version}` });
        continue;
      }
      types.push(this.o.registry.add(registration));
    }
    this.served.set(name, { key, types });
  }

  private unserve(name: string): void {
    const entry = this.served.get(name);
    if (!entry) return;
    this.served.delete(name);
    for (const t of entry.types) this.o.registry.remove(t.descriptor.group, t.descriptor.version, t.descriptor.plural);
  }
}
