import type { ApiTypeRegistration } from "../../strategy.js";
import { CONFIGMAP_TYPE } from "./configmap.js";
import { ENDPOINTS_TYPE } from "./endpoints.js";
import { EVENT_TYPE } from "./event.js";
import { LIMIT_RANGE_TYPE } from "./limit-range.js";
import { NAMESPACE_TYPE } from "./namespace.js";
import { NODE_TYPE } from "./node.js";
import { PERSISTENT_VOLUME_CLAIM_TYPE } from "./persistent-volume-claim.js";
import { PERSISTENT_VOLUME_TYPE } from "./persistent-volume.js";
import { POD_TYPE } from "./pod.js";
import { REPLICATION_CONTROLLER_TYPE } from "./replication-controller.js";
import { RESOURCE_QUOTA_TYPE } from "./resource-quota.js";
import { SECRET_TYPE } from "./secret.js";
import { SERVICE_ACCOUNT_TYPE } from "./service-account.js";
import { SERVICE_TYPE } from "./service.js";

/** The built-in resource types of this API group, in discovery order (alphabetical by plural, as /api/v1 lists them). */
export const CORE_TYPES: ApiTypeRegistration[] = [
  CONFIGMAP_TYPE,
  ENDPOINTS_TYPE,
  EVENT_TYPE,
  LIMIT_RANGE_TYPE,
  NAMESPACE_TYPE,
  NODE_TYPE,
  PERSISTENT_VOLUME_CLAIM_TYPE,
  PERSISTENT_VOLUME_TYPE,
  POD_TYPE,
  REPLICATION_CONTROLLER_TYPE,
  RESOURCE_QUOTA_TYPE,
  SECRET_TYPE,
  SERVICE_ACCOUNT_TYPE,
  SERVICE_TYPE,
];
