import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUSYBOX_APPLETS } from "../../plugins/images/busybox/applets.js";
import { parseImageReference } from "../../core/cri/images.js";
import { runProgram } from "./run-program.js";

const sh = (script: string, options: Parameters<typeof runProgram>[2] = {}) => runProgram(BUSYBOX_APPLETS, ["sh", "-c", script], options);

const CASES: [string, number, string, string?][] = [
  ["echo hello; echo world", 0, "hello\nworld\n"],
  ['for i in 1 2 3; do echo "n=$i"; done', 0, "n=1\nn=2\nn=3\n"],
  ["i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done", 0, "0\n1\n2\n"],
  ["if test -f /etc/x; then echo yes; elif [ 1 -eq 1 ]; then echo elif; else echo no; fi", 0, "elif\n"],
  ["echo a > /tmp/f && cat /tmp/f; echo err >&2; false || echo recovered", 0, "a\nrecovered\n", "err\n"],
  ["echo \"$HOME ${HOME}\" '$HOME' ${UNSET:-dflt}; exit 3", 3, "/root /root $HOME dflt\n"],
  ["echo $(echo sub) | cat; printf '%s-%d\\n' a 5", 0, "sub\na-5\n"],
  ["nosuch; echo $?", 0, "127\n", "sh: nosuch: not found\n"],
  ["seq 1 5 | tail -n 2 | wc -l", 0, "2\n"],
  ["echo one >> /tmp/l; echo two >> /tmp/l; grep -c o /tmp/l", 0, "2\n"],
  ["for x in a b c; do if [ $x = b ]; then break; fi; echo $x; done", 0, "a\n"],
  ["! true; echo $?", 0, "1\n"],
  ["echo 'unterminated", 2, "", "sh: unterminated quoted string\n"],
  ["printf '10\\n9\\nb\\na\\n9\\n' | sort", 0, "10\n9\n9\na\nb\n"],
  ["printf '10\\n9\\n2\\n9\\n' | sort -nu", 0, "2\n9\n10\n"],
  ["printf 'a\\nc\\nb\\n' | sort -r", 0, "c\nb\na\n"],
  ["echo hi > /tmp/d/a; tar cf /tmp/t.tar -C /tmp d; rm /tmp/d; tar xf /tmp/t.tar -C /srv; cat /srv/d/a; tar tf /tmp/t.tar", 0, "hi\nd/\nd/a\n"],
  ["echo x > /tmp/f; tar cf - /tmp/f | tar tvf -", 0, "tmp/f\n", "tar: removing leading '/' from member names\n"],
  ["tar czf /tmp/x.tgz /tmp", 1, "", "tar: compression (-z) is not supported by kubesim's busybox\n"],
];

for (const [script, code, stdout, stderr] of CASES) {
  test(`sh -c ${JSON.stringify(script)}`, async () => {
    const r = await sh(script, { env: { HOME: "/root" } });
    assert.is(r.code, code);
    assert.is(r.stdout, stdout);
    if (stderr !== undefined) assert.is(r.stderr, stderr);
  });
}

test("sh -c script name args: the word after the script is $0, the rest are $1, $2, ... (POSIX)", async () => {
  const r = await runProgram(BUSYBOX_APPLETS, ["sh", "-c", 'echo "$0|$1|$2|$#"', "myname", "one", "two"], {});
  assert.is(r.stdout, "myname|one|two|2\n");
  const bare = await runProgram(BUSYBOX_APPLETS, ["sh", "-c", 'echo "$0|$#"'], {});
  assert.is(bare.stdout, "sh|0\n");
});

test("sleep advances the clock; date reads it", async () => {
  const r = await sh("a=$(date +%s); sleep 90; b=$(date +%s); echo $((b-a))");
  assert.is(r.stdout, "90\n");
});

test("interactive sh reads commands from stdin", async () => {
  const r = await runProgram(BUSYBOX_APPLETS, ["sh"], { stdin: "echo first\nX=2; echo $X\nexit 4\necho never\n" });
  assert.is(r.stdout, "first\n2\n");
  assert.is(r.code, 4);
});

test("read takes one line and leaves the rest of a chunk for the next read (stdin and pipes)", async () => {
  const fromStdin = await sh('while read l; do echo "[$l]"; done; echo end', { stdin: "a\nb c\n" });
  assert.is(fromStdin.stdout, "[a]\n[b c]\nend\n");
  const fromPipe = await sh('printf "x\\ny\\n" | while read l; do echo "<$l>"; done');
  assert.is(fromPipe.stdout, "<x>\n<y>\n");
});

test("image references normalise as the docker reference library does; invalid ones are refused", () => {
  assert.is(parseImageReference("nginx")?.normalized, "docker.io/library/nginx:latest");
  assert.is(parseImageReference("nginx:1.25")?.normalized, "docker.io/library/nginx:1.25");
  assert.is(parseImageReference("kennethreitz/httpbin")?.normalized, "docker.io/kennethreitz/httpbin:latest");
  assert.is(parseImageReference("registry.k8s.io/pause:3.9")?.repository, "registry.k8s.io/pause");
  assert.is(parseImageReference("localhost:5000/app:v1")?.repository, "localhost:5000/app");
  assert.is(parseImageReference("Nginx"), undefined);
  assert.is(parseImageReference("nginx:"), undefined);
});

test.run();
