import { test } from "uvu";
import * as assert from "uvu/assert";
import { CriLogStore, MAX_LOG_LINES } from "../../plugins/runtime-containerd/log-store.js";

test("a log file's text follows appends and the front trim at the line cap, as one join would", () => {
  const logs = new CriLogStore();
  const path = "/var/log/pods/ns_p_u/c/0.log";
  logs.create(path);
  assert.is(logs.text(path), "");
  assert.is(logs.size(path), 0);
  assert.equal([...logs.files()], [path]);
  logs.append(path, 0, "stdout", "a");
  logs.append(path, 1000, "stderr", "b");
  assert.is(logs.text(path), "1970-01-01T00:00:00Z stdout F a\n1970-01-01T00:00:01Z stderr F b\n");
  // Past the cap by more than one compaction batch: the kept lines stay exactly the last MAX_LOG_LINES.
  for (let i = 0; i < MAX_LOG_LINES + 2_500; i++) {
    logs.append(path, 2000, "stdout", `line ${i}`);
    if (i % 1499 === 0) {
      assert.is(logs.text(path), logs.lines(path)!.join("\n") + "\n");
      assert.is(logs.size(path), Buffer.byteLength(logs.text(path)!));
    }
  }
  assert.is(logs.text(path), logs.lines(path)!.join("\n") + "\n");
  assert.is(logs.lines(path)!.length, MAX_LOG_LINES);
  assert.ok(logs.text(path)!.startsWith("1970-01-01T00:00:02Z stdout F line 2500\n"));
  assert.is(logs.size(path), Buffer.byteLength(logs.text(path)!));
  logs.remove(path);
  assert.is(logs.text(path), undefined);
  assert.is(logs.size(path), undefined);
});

test("lines keep their text across chunk boundaries: non-ASCII, long lines, followers and the cap", () => {
  const logs = new CriLogStore();
  const path = "/var/log/pods/ns_p_u/c/0.log";
  const followed: string[] = [];
  const stop = logs.follow(path, (l) => followed.push(l));
  const expected: string[] = [];
  for (let i = 0; i < MAX_LOG_LINES + 300; i++) {
    // Multi-byte characters, a surrogate pair and now and then a line longer than any chunk.
    const text = i % 997 === 0 ? `long ${"é".repeat(70_000)} ${i}` : `ünïcödé 🚀 ${i}`;
    logs.append(path, 3000, "stderr", text);
    expected.push(`1970-01-01T00:00:03Z stderr F ${text}`);
  }
  stop();
  logs.append(path, 3000, "stdout", "after");
  expected.push("1970-01-01T00:00:03Z stdout F after");
  const kept = expected.slice(-MAX_LOG_LINES);
  assert.equal(followed, expected.slice(0, -1));
  assert.equal(logs.lines(path), kept);
  assert.is(logs.text(path), kept.join("\n") + "\n");
  // The size on disk counts UTF-8 bytes, not UTF-16 code units.
  assert.is(logs.size(path), Buffer.byteLength(kept.join("\n") + "\n"));
  assert.equal(logs.parse(logs.lines(path)![0]!), { time: 3000, stream: "stderr", partial: false, text: expected[expected.length - MAX_LOG_LINES]!.slice("1970-01-01T00:00:03Z stderr F ".length) });
});

test("files of the same container name keep their own text whatever their siblings wrote (start-up sizes learned per container)", () => {
  const logs = new CriLogStore();
  const lines = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag} start-up line ${i} ${"x".repeat(60)}`);
  // The first writes past several growths; the next ones fewer, as many and more lines; another container's name in between.
  const files: [string, string[]][] = [
    ["/var/log/pods/ns_a_1/nginx/0.log", lines(20, "a")],
    ["/var/log/pods/ns_b_2/sidecar/0.log", lines(1, "b")],
    ["/var/log/pods/ns_c_3/nginx/0.log", lines(2, "c")],
    ["/var/log/pods/ns_d_4/nginx/0.log", lines(20, "d")],
    ["/var/log/pods/ns_e_5/nginx/0.log", lines(200, "e")],
    ["/var/log/pods/ns_f_6/nginx/1.log", lines(20, "f")],
  ];
  for (const [path, texts] of files) {
    logs.create(path);
    for (const t of texts) logs.append(path, 0, "stdout", t);
  }
  for (const [path, texts] of files) {
    const want = texts.map((t) => `1970-01-01T00:00:00Z stdout F ${t}\n`).join("");
    assert.is(logs.text(path), want, path);
    assert.is(logs.size(path), Buffer.byteLength(want));
  }
  // The sibling a new file would size itself from is gone: the next one starts afresh.
  logs.remove("/var/log/pods/ns_f_6/nginx/1.log");
  const next = "/var/log/pods/ns_g_7/nginx/0.log";
  for (const t of lines(30, "g")) logs.append(next, 0, "stderr", t);
  assert.is(logs.text(next), lines(30, "g").map((t) => `1970-01-01T00:00:00Z stderr F ${t}\n`).join(""));
  assert.is(logs.text("/var/log/pods/ns_f_6/nginx/1.log"), undefined);
});

test("hasFilesUnder: every directory above a log file, and none once the last file below it is gone", () => {
  const logs = new CriLogStore();
  const dirs = ["/", "/var/", "/var/log/", "/var/log/pods/", "/var/log/pods/ns_a_u/", "/var/log/pods/ns_a_u/c/", "/var/log/pods/ns_a_u/d/", "/var/log/pods/ns_b_u/", "/var/log/pods/ns_b_u/c/"];
  const under = (): string[] => dirs.filter((d) => logs.hasFilesUnder(d));
  logs.create("/var/log/pods/ns_a_u/c/0.log");
  logs.append("/var/log/pods/ns_a_u/c/1.log", 0, "stdout", "x");
  logs.create("/var/log/pods/ns_a_u/d/0.log");
  logs.create("/var/log/pods/ns_b_u/c/0.log");
  assert.equal(under(), dirs);
  assert.not.ok(logs.hasFilesUnder("/var/log/containers/"));
  logs.remove("/var/log/pods/ns_a_u/c/0.log");
  assert.equal(under(), dirs);
  logs.remove("/var/log/pods/ns_a_u/c/1.log");
  assert.equal(under(), dirs.filter((d) => d !== "/var/log/pods/ns_a_u/c/"));
  logs.remove("/var/log/pods/ns_a_u/d/0.log");
  assert.equal(under(), ["/", "/var/", "/var/log/", "/var/log/pods/", "/var/log/pods/ns_b_u/", "/var/log/pods/ns_b_u/c/"]);
  logs.remove("/var/log/pods/ns_b_u/c/0.log");
  assert.equal(under(), []);
  // Removing what is not there changes nothing; a new file brings its directories back.
  logs.remove("/var/log/pods/ns_b_u/c/0.log");
  logs.create("/var/log/pods/ns_b_u/c/0.log");
  assert.equal(under(), ["/", "/var/", "/var/log/", "/var/log/pods/", "/var/log/pods/ns_b_u/", "/var/log/pods/ns_b_u/c/"]);
});

test("appendLines writes what an append per line writes: chunk growth, non-ASCII, empty lines, followers and the cap", () => {
  const batched = new CriLogStore();
  const single = new CriLogStore();
  const path = "/var/log/pods/ns_p_u/c/0.log";
  const followedBatched: string[] = [];
  const followedSingle: string[] = [];
  let stops: (() => void)[] = [];
  let n = 0;
  for (let i = 0; i < 2_200; i++) {
    // Blocks of 1 to 9 lines, now and then an empty or long or multi-byte one; the line cap is crossed on the way.
    const lines = Array.from({ length: 1 + (i % 9) }, (_, j) => (j === 3 ? "" : i % 101 === 0 ? `long ${"é".repeat(30_000)} ${n++}` : `ünï ${i}.${j} 🚀 ${n++}`));
    const time = 1000 * Math.floor(i / 50) + (i % 7);
    const stream = i % 3 === 0 ? "stderr" : "stdout";
    batched.appendLines(path, time, stream, lines.map((l) => `${l}\n`).join(""));
    for (const l of lines) single.append(path, time, stream, l);
    if (i === 500) stops = [batched.follow(path, (l) => followedBatched.push(l)), single.follow(path, (l) => followedSingle.push(l))];
    if (i === 900) for (const stop of stops) stop();
    if (i % 97 === 0) assert.is(batched.text(path), single.text(path));
  }
  assert.is(batched.text(path), single.text(path));
  assert.equal(batched.lines(path), single.lines(path));
  assert.is(batched.size(path), single.size(path));
  assert.is(batched.lines(path)!.length, MAX_LOG_LINES);
  assert.ok(followedBatched.length > 0);
  assert.equal(followedBatched, followedSingle);
});

test.run();
