import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimConnection } from "../../core/net/sim-connection.js";
import { readText, type Connection } from "../../core/net/sockets.js";
import { EventEmitter } from "eventemitter3";

function pair(): [SimConnection, SimConnection] {
  const a = new SimConnection("10.0.0.1", 40000, "10.0.0.2", 80, () => undefined);
  const b = new SimConnection("10.0.0.2", 80, "10.0.0.1", 40000, () => undefined);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

test("a reader without setEncoding gets the UTF-8 bytes of text written", async () => {
  const [a, b] = pair();
  const got: Uint8Array[] = [];
  b.on("data", (c) => got.push(c));
  a.write("héllo");
  a.write(new Uint8Array([0x21]));
  await tick();
  assert.equal(Buffer.concat(got).toString("utf8"), "héllo!");
  assert.ok(got.every((c) => c instanceof Uint8Array));
});

test("setEncoding('utf8'): text arrives as written, bytes are decoded as a stream (a character split across writes)", async () => {
  const [a, b] = pair();
  const got: string[] = [];
  const bytes: Uint8Array[] = [];
  b.setEncoding("utf8");
  b.on("text", (t) => got.push(t));
  b.on("data", (c) => bytes.push(c));
  const euro = Buffer.from("€"); // 3 bytes
  a.write("GET / HTTP/1.1\r\n");
  a.write(euro.subarray(0, 2));
  a.write(euro.subarray(2));
  a.write("x");
  a.end();
  let ended = false;
  b.on("end", () => (ended = true));
  await tick();
  assert.equal(got.join(""), "GET / HTTP/1.1\r\n€x");
  assert.is(got[0], "GET / HTTP/1.1\r\n");
  assert.is(bytes.length, 0);
  assert.ok(ended);
});

test("deliveries in order across turns: writes made while a delivery runs come in the next one; a listener that throws drops the rest of its delivery only", async () => {
  const [a, b] = pair();
  b.setEncoding("utf8");
  const got: string[] = [];
  const thrown: unknown[] = [];
  const onUncaught = (err: unknown): void => void thrown.push(err);
  process.on("uncaughtException", onUncaught);
  b.on("text", (t) => {
    got.push(t);
    if (t === "1") a.write("3");
    if (t === "boom") throw new Error("listener failed");
  });
  a.write("1");
  a.write("2");
  await tick();
  a.write("boom");
  a.write("lost");
  await tick();
  a.write("4");
  a.write("5");
  await tick();
  process.off("uncaughtException", onUncaught);
  assert.equal(got, ["1", "2", "3", "boom", "4", "5"]);
  assert.is(thrown.length, 1);
});

test("readText decodes a connection without setEncoding (a TLS or remote stream) as a stream", async () => {
  const conn = new EventEmitter() as unknown as Connection;
  let text = "";
  readText(conn, (t) => (text += t));
  const euro = Buffer.from("€");
  conn.emit("data", euro.subarray(0, 1));
  conn.emit("data", euro.subarray(1));
  assert.is(text, "€");
});

test.run();
