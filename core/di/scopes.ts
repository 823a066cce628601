import "reflect-metadata";
import { container as rootContainer, type DependencyContainer } from "tsyringe";

/**
 * Container scopes. Every cluster gets its own child of the root container and every node a
 * child of its cluster's, so two clusters in one process share no state: a service registered
 * in one scope is invisible to siblings. Nothing in kubesim registers into the root itself.
 */
export function createClusterScope(): DependencyContainer {
  return rootContainer.createChildContainer();
}

/** A node's scope: sees its cluster's services, and can shadow them with node-local ones. */
export function createNodeScope(cluster: DependencyContainer): DependencyContainer {
  return cluster.createChildContainer();
}
