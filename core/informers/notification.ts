import type { KubeObject, ObjectLike } from "../api/object.js";
import type { DeletedFinalStateUnknown } from "./tombstone.js";

/**
 * One change to deliver. A notification is built once per event and shared by every listener's
 * buffer (objects are never copied per handler).
 */
export type Notification<T extends ObjectLike> =
  | { readonly type: "add"; readonly obj: T; readonly initial: boolean }
  | { readonly type: "update"; readonly oldObj: T; readonly obj: T }
  | { readonly type: "delete"; readonly obj: T | DeletedFinalStateUnknown<T> };
