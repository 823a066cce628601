import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";

declare const serviceType: unique symbol;

/**
 * A typed injection token: one per service, used with tsyringe's explicit `@inject(token)`.
 * The runtime value is a registered symbol (`Symbol.for`), so two copies of kubesim loaded
 * side by side (core and a separately bundled plugin) agree on every token.
 */
export type Token<T> = symbol & { readonly [serviceType]?: T };

/** Declares the token for a service. `id` must be unique across kubesim and its plugins. */
export function token<T>(id: string): Token<T> {
  return Symbol.for(`kubesim:${id}`) as Token<T>;
}

/** Resolves a token with its static type. */
export function resolve<T>(container: DependencyContainer, t: Token<T>): T {
  return container.resolve<T>(t);
}

/** Registers a ready-made instance for a token in the given container. */
export function provide<T>(container: DependencyContainer, t: Token<T>, value: T): void {
  container.register<T>(t, { useValue: value });
}
