/** The group and version of the batch types. */
export const BATCH_V1 = { group: "batch", version: "v1" } as const;
