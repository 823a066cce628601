import { join } from "node:path";

/** Where test/run.ts builds the bundle the test files run from (relative to the project root). */
export const TEST_BUNDLE_DIR = ".test-build";

/** The bundled copy of a source file (`test/x.test.ts` → `.test-build/dist/test/x.test.js`), both relative to the project root. */
export function bundledPath(source: string): string {
  return join(TEST_BUNDLE_DIR, "dist", source.replace(/\.ts$/, ".js"));
}

/** The source file of a bundled copy, relative to the project root (a path outside the bundle is returned as it is). */
export function sourcePath(file: string): string {
  const m = /^\.test-build[\\/]dist[\\/](.+)\.js$/.exec(file);
  return m ? `${m[1]}.ts` : file;
}
