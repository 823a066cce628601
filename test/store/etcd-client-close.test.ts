import { createServer } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CLIENT_CLOSED, EtcdClient, EtcdError } from "../../core/store/etcd/etcd-client.js";

/** A port on 127.0.0.1 nothing listens on (bound, read, released). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test("a call retrying an unreachable member stops when the client is closed, instead of running to its 10 s timeout", async () => {
  const client = new EtcdClient({ endpoints: [`http://127.0.0.1:${await refusedPort()}`], requestTimeoutMs: 10_000 });
  const started = Date.now();
  const call = client.call("/v3/kv/range", { key: "Zm9v" }).then(
    () => assert.unreachable("the call answered"),
    (err: unknown) => err,
  );
  await new Promise((r) => setTimeout(r, 150)); // a few refused rounds and backoffs
  client.close();
  const err = await call;
  assert.instance(err, EtcdError);
  assert.is((err as Error).message, CLIENT_CLOSED);
  assert.ok(Date.now() - started < 2_000, `the call ended ${Date.now() - started} ms after it started`);
});

test("a call on a closed client fails at once with the same error", async () => {
  const client = new EtcdClient({ endpoints: [`http://127.0.0.1:${await refusedPort()}`] });
  client.close();
  const err = await client.call("/v3/kv/range", { key: "Zm9v" }).catch((e: unknown) => e);
  assert.is((err as Error).message, CLIENT_CLOSED);
});

test.run();
