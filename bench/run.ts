/** Runs every `bench/*.bench.ts` (or those matching argv[2]) one after another, each in its own process, printing their figures. */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const filter = process.argv[2];
const files = readdirSync("bench").filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter))).sort();
let failures = 0;
for (const file of files) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join("bench", file)], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (r.status !== 0) failures++;
}
process.exitCode = failures ? 1 : 0;
