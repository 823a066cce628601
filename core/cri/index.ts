/** The Container Runtime Interface contract: runtime and image services, images, processes, errors. */
export * from "./runtime-service.js";
export * from "./images.js";
export * from "./process.js";
export * from "./errors.js";
export * from "./filesystem.js";
export * from "./host-filesystem.js";
export * from "./directory-filesystem.js";
