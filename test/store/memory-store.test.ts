import { MemoryStore } from "../../core/store/memory-store.js";
import { runStoreConformance } from "./store-conformance.js";

runStoreConformance("MemoryStore", async (options) => new MemoryStore(options));
