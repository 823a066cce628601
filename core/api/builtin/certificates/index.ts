import type { ApiTypeRegistration } from "../../strategy.js";
import { CERTIFICATE_SIGNING_REQUEST } from "./certificate-signing-request.js";

/** The built-in resource types of this API group, in discovery order. */
export const CERTIFICATES_TYPES: ApiTypeRegistration[] = [CERTIFICATE_SIGNING_REQUEST] as ApiTypeRegistration[];
