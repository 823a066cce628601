import type { ApiTypeRegistration } from "../../strategy.js";
import { CONTROLLER_REVISION } from "./controller-revision.js";
import { DAEMON_SET } from "./daemon-set.js";
import { DEPLOYMENT } from "./deployment.js";
import { REPLICA_SET } from "./replica-set.js";
import { STATEFUL_SET } from "./stateful-set.js";

/** The built-in resource types of this API group, in discovery order. */
export const APPS_TYPES: ApiTypeRegistration[] = [CONTROLLER_REVISION, DAEMON_SET, DEPLOYMENT, REPLICA_SET, STATEFUL_SET] as ApiTypeRegistration[];

export { defaultDeployment } from "./deployment.js";
export { defaultReplicaSet } from "./replica-set.js";
export { defaultDaemonSet } from "./daemon-set.js";
export { defaultStatefulSet } from "./stateful-set.js";
