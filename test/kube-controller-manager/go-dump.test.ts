import { test } from "uvu";
import * as assert from "uvu/assert";
import { goDump, quantityDump } from "../../plugins/kube-controller-manager/controllers/deployment/go-dump.js";

test("go-spew %#v rules: types in parentheses, raw strings, nil pointers/slices/maps, pointees and elements without types, sorted map keys", () => {
  const cases: [unknown, string, string][] = [
    [{ key: "a", path: "p" }, "core.KeyToPath", "(v1.KeyToPath){Key:(string)a Path:(string)p Mode:(*int32)<nil>}"],
    [{ key: "a", path: "p", mode: 420 }, "core.KeyToPath", "(v1.KeyToPath){Key:(string)a Path:(string)p Mode:(*int32)420}"],
    [{ name: "x", items: [{ key: "k", path: "p" }] }, "core.ConfigMapVolumeSource", "(v1.ConfigMapVolumeSource){LocalObjectReference:(v1.LocalObjectReference){Name:(string)x} Items:([]v1.KeyToPath)[{Key:(string)k Path:(string)p Mode:(*int32)<nil>}] DefaultMode:(*int32)<nil> Optional:(*bool)<nil>}"],
    [{ b: "2", a: "1" }, "map[string]string", "(map[string]string)map[a:1 b:2]"],
    [{}, "map[string]string", "(map[string]string)<nil>"],
    [[], "[]string", "([]string)<nil>"],
    [["x", "y"], "[]string", "([]string)[x y]"],
    [{}, "*core.PodOS", "(*v1.PodOS){Name:(v1.OSName)}"],
    [undefined, "*core.PodOS", "(*v1.PodOS)<nil>"],
    [8080, "intstr.IntOrString", "(intstr.IntOrString){Type:(intstr.Type)0 IntVal:(int32)8080 StrVal:(string)}"],
    ["http", "intstr.IntOrString", "(intstr.IntOrString){Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string)http}"],
    [null, "meta.Time", "(v1.Time){Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}"],
  ];
  for (const [value, type, want] of cases) assert.is(goDump(value, type), want, type);
});

test("resource.Quantity as ParseQuantity leaves it: int64 fast path, canonical string kept only when canonical, inf.Dec otherwise", () => {
  const q = (value: number, scale: number, s: string, format: string): string => `{i:(resource.int64Amount){value:(int64)${value} scale:(resource.Scale)${scale}} d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)${s} Format:(resource.Format)${format}}`;
  assert.is(quantityDump("100m"), q(100, -3, "100m", "DecimalSI"));
  assert.is(quantityDump("0.5"), q(500, -3, "500m", "DecimalSI"), "stored canonical as 500m");
  assert.is(quantityDump("1G"), q(1, 9, "1G", "DecimalSI"));
  assert.is(quantityDump("64Mi"), q(67108864, 0, "", "BinarySI"), "64 & 7 == 0: not kept as canonical");
  assert.is(quantityDump("1Gi"), q(1073741824, 0, "1Gi", "BinarySI"));
  assert.is(quantityDump("0"), q(0, 0, "0", "DecimalSI"));
});

test.run();
