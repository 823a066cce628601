import { createRequire } from "node:module";
import type Forge from "node-forge";

let loaded: typeof Forge | undefined;

/**
 * node-forge, loaded on first use: about 2 MB of heap and 10 MB of RSS that only a cluster making
 * or reading certificates (serving TLS, the root CA, CSRs) pays for. Modules use `import type forge`
 * for its types and call this for its values.
 */
export function nodeForge(): typeof Forge {
  return (loaded ??= createRequire(import.meta.url)("node-forge") as typeof Forge);
}
