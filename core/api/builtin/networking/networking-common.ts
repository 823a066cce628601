/** The group and version of the networking types. */
export const NETWORKING_V1 = { group: "networking.k8s.io", version: "v1" } as const;
