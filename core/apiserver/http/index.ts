export { startHttpServer, type HttpServerOptions, type HttpServerHandle, type ExtraEndpoints } from "./http-server.js";
export { writeKubeconfigFor, kubeconfigForServer } from "./kubeconfig-for-server.js";
export { INSECURE_SUPERUSER } from "./insecure-http.js";
export { HttpAuthorizers, allowAllAuthorizer, clusterAuthorizer, systemMastersAuthorizer, unionAuthorizer, type Authorizer, type AuthorizationAttributes, type AuthorizationDecision } from "./authorization.js";
export { ADMIN_USER, staticTokenAuthenticator, loadOrCreateAdminToken, type TokenAuthenticator } from "./authentication.js";
export { DEFAULT_IN_FLIGHT_LIMITS, type InFlightLimits } from "./in-flight-limiter.js";
export { MAX_REQUEST_BODY_BYTES } from "./request-body.js";
export { PodStreams, type PodLogSource, type PodLogStream, type PodExecSession, type PodExecSource, type PodPortForward, type PodPortForwardSource } from "./pod-streams.js";
export { loadOrCreateServingCertificates, type ServingCertificates } from "./tls.js";
