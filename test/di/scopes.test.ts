import "reflect-metadata";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { injectable, inject } from "tsyringe";
import { createClusterScope, createNodeScope } from "../../core/di/scopes.js";
import { token, provide, resolve } from "../../core/di/token.js";
import { Clock } from "../../core/clock/clock.js";
import { VirtualClock } from "../../core/clock/virtual-clock.js";

interface Counter { count: number }
const Counter = token<Counter>("test/Counter");
const NodeName = token<string>("test/NodeName");

@injectable()
class Greeter {
  constructor(@inject(Counter) readonly counter: Counter, @inject(NodeName) readonly node: string, @inject(Clock) readonly clock: Clock) {}
}

test("two cluster scopes in one process share no state", () => {
  const a = createClusterScope();
  const b = createClusterScope();
  provide(a, Counter, { count: 0 });
  provide(b, Counter, { count: 0 });
  resolve(a, Counter).count += 5;
  assert.is(resolve(a, Counter).count, 5);
  assert.is(resolve(b, Counter).count, 0);
  const c = createClusterScope();
  assert.throws(() => resolve(c, Counter), /Counter/);
});

test("node scopes see their cluster's services and shadow them locally; explicit @inject tokens", () => {
  const cluster = createClusterScope();
  const clock = new VirtualClock();
  provide(cluster, Counter, { count: 1 });
  provide(cluster, Clock, clock);
  provide(cluster, NodeName, "cluster");
  const n1 = createNodeScope(cluster);
  const n2 = createNodeScope(cluster);
  provide(n1, NodeName, "node-1");
  provide(n2, NodeName, "node-2");
  const g1 = n1.resolve(Greeter);
  const g2 = n2.resolve(Greeter);
  assert.is(g1.node, "node-1");
  assert.is(g2.node, "node-2");
  assert.is(g1.counter, g2.counter);
  assert.is(g1.clock, clock);
  assert.is(resolve(cluster, NodeName), "cluster");
});

test("tokens are registered symbols: equal across separately created tokens of one id", () => {
  assert.is(token<number>("test/X"), token<number>("test/X"));
  assert.is.not(token<number>("test/X"), token<number>("test/Y"));
});

test.run();
