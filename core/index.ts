/** kubesim: Kubernetes rebuilt in TypeScript as a framework. The public API of the core. */
import "reflect-metadata";

export { token, resolve, provide, type Token } from "./di/token.js";
export { createClusterScope, createNodeScope } from "./di/scopes.js";

export { Clock, abortError, type TimerHandle } from "./clock/clock.js";
export { RealClock } from "./clock/real-clock.js";
export { VirtualClock, type VirtualClockOptions } from "./clock/virtual-clock.js";
export { Random, SeededRandom } from "./clock/random.js";

export { Logger, createLogger, type LogLevel, type LogRecord, type LogSink, type LoggerOptions } from "./log/logger.js";

export { definePlugin, isPlugin, type Plugin, type PluginContext, type Teardown, type DefinedPlugin } from "./plugins/plugin.js";
export { extensionPoint, ExtensionPoint, ExtensionRegistry, type ExtensionPointKey, type Contribution } from "./plugins/extension-point.js";
export { PluginHost, orderPlugins, type PluginHostOptions, type PluginConfigSection } from "./plugins/plugin-host.js";
export { PluginConfigError, isPluginConfigError, prefixFieldErrors, type PluginConfigSchema } from "./plugins/plugin-config.js";
export { loadPlugin, PluginError, type PluginRef } from "./plugins/plugin-loader.js";
export { ApiTypes, AdmissionPlugins } from "./plugins/extension-points.js";

export * from "./api/object.js";
export * from "./api/resource.js";
export * from "./api/status.js";
export type * from "./api/strategy.js";
export type * from "./apiserver/admission.js";
export { Store, StoreError, isStoreError, type StoreEvent, type StoreListOptions, type StoreListResult, type StorePreconditions, type StoreWatch, type StoreWatchOptions } from "./store/store.js";
export { Client, type ResourceClient, type ResourceRef, type ListOptions, type WatchOptions, type WatchEvent, type WatchEventType, type Watch, type WriteOptions, type PatchType, type PatchOptions, type DeleteOptions, type GetOptions } from "./client/client.js";
export { cloneJson } from "./api/clone.js";
export { ResourceRegistry, type RegisteredType } from "./api/resource-registry.js";
export { BUILT_IN_TYPES } from "./api/builtin/index.js";
export { LabelSelector, parseLabelSelector, labelSelectorFromObject, labelSelectorFromSet } from "./api/selectors/label-selector.js";
export { nodeMatchesSelectorTerms, nodeMatchesTerm, podMatchesNodeSelectorAndAffinity } from "./api/selectors/node-selector.js";
export { FieldSelector, parseFieldSelector } from "./api/selectors/field-selector.js";
export * from "./api/patch/index.js";
export { jsonEqual } from "./api/patch/json-value.js";
export { parseQuantity, formatQuantity, compareQuantities, type Quantity } from "./api/quantity.js";
export { addQuantities, ZERO_QUANTITY } from "./api/quantity.js";
export { unitValue } from "./api/quantity.js";
export { parseGoDuration, formatGoDuration } from "./api/duration.js";
export { scaledIntOrPercent } from "./api/builtin/field-checks.js";

export { MemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export { DurableStore, type DurableStoreOptions } from "./store/durable-store.js";
export { EtcdStore, type EtcdStoreOptions } from "./store/etcd-store.js";
export { type EtcdConnection } from "./store/etcd/etcd-client.js";
export { objectStorageKey, listPrefix } from "./store/keys.js";

export { ApiServer, type ApiServerOptions } from "./apiserver/api-server.js";
export { ApiServerApi, type RequestContext } from "./apiserver/api-server-contract.js";
export { createControlPlane, type ControlPlane, type ControlPlaneOptions } from "./apiserver/control-plane.js";
export { CustomResourceConverters, customResourceConverterName, type CustomResourceConverter, type CustomResourceConversion, type ConverterLookup } from "./apiserver/apiextensions/custom-resource-converters.js";
export { BUILT_IN_ADMISSION } from "./apiserver/admission/index.js";
export { objectUsage, countResourceName, quotaScopesMatch } from "./apiserver/admission/index.js";
export { ClusterCredentials, ClusterCredentialsToken, type SigningKey } from "./apiserver/serviceaccount/cluster-credentials.js";
export { ServiceAccountTokens, DEFAULT_SERVICE_ACCOUNT_ISSUER, type TokenRequest } from "./apiserver/serviceaccount/service-account-tokens.js";
export { AggregatedApi, AggregatedApiToken } from "./apiserver/aggregator/aggregated-api.js";
export { ApiServiceTransportToken, networkServiceTransport, type ApiServiceTransport, type ProxiedRequest, type ProxiedResponse, type ServiceRef } from "./apiserver/aggregator/service-transport.js";
export { InProcessClient, type RequestCheck, type RequestAttributes } from "./client/in-process-client.js";
export { ClientFactory, KUBE_SCHEDULER_USER, KUBE_CONTROLLER_MANAGER_USER, KUBE_PROXY_USER, nodeUser, serviceAccountUser } from "./client/client-factory.js";
export { componentUserAgent } from "./client/user-agent.js";

export * from "./informers/index.js";
export { InformerFactory } from "./informers/shared-informer-factory.js";
export * from "./workqueue/index.js";
export * from "./controller/index.js";
export { sameStringMap } from "./collections/same-string-map.js";
export * from "./operator/index.js";
export * from "./events/index.js";

export { Cluster, type ClusterOptions, type ClusterNode, type WaitForOptions } from "./cluster/cluster.js";
export { NodeName, NodeIP, NodePodCidr, NodeSpecToken, KubeletCloudProvider, type NodeSpec } from "./cluster/node-spec.js";
export { NodeCommands, type NodeCommand, type NodeCommandContext, type NodeCommandResult } from "./cluster/node-commands.js";
export { PodNetwork, type PodNetworkStatus, type PodNetworkRequest, type PodNetworkAttachment } from "./cni/pod-network.js";
export { DataPlane, DataPlaneToken, type DataPlaneOptions } from "./net/data-plane.js";
export { NetNamespace, type RouteResult } from "./net/netns.js";
export { NetDevice, type DeviceKind, type DeviceAddress, type VxlanConfig } from "./net/device.js";
export { PacketWalk, type WalkHop, type WalkResult, type DropReason } from "./net/packet-walk.js";
export { makePacket, HEADER, type Packet, type L4Protocol } from "./net/packet.js";
export { Netfilter, IptablesError, type TableName, type Hook, type Verdict } from "./net/netfilter/netfilter.js";
export { NetworkConfigToken, type NetworkConfig } from "./net/network-config.js";
export { ClusterNetwork, TraceError, formatTrace, type TraceOptions, type TraceResult } from "./net/cluster-network.js";
export { NodeFiles, NodeFileSystem } from "./cni/node-files.js";
export { NetworkPlugins } from "./cni/network-plugins.js";
export { CniRuntime, CNI_CONF_DIR, CNI_BIN_DIR, versionResult } from "./cni/cni-runtime.js";
export { CniPodNetwork } from "./cni/cni-pod-network.js";
export { CniError, CNI_ERROR, CNI_VERSION, parseCniArgs, type CniPlugin, type CniHost, type CniEnv, type CniResult, type NetConf, type NetConfList, type CniCommand } from "./cni/cni-types.js";
export { NetError, readText, type NetErrorCode, type NetworkStack, type Connection, type ConnectionEvents, type Listener, type Datagram, type UdpSocket, type SocketProtocol } from "./net/sockets.js";
export { DEFAULT_PLUGINS } from "./cluster/default-distribution.js";
export { NodeAgents, type NodeAgent, type NodeAgentContext, type NodeAgentHandle } from "./cluster/node-agents.js";
export { Addons, clusterAddons, nodeAddons, type AddonInstaller } from "./cluster/addons.js";
export { loadClusterConfig, validateClusterConfig, ClusterConfigError, type ClusterConfig, type ClusterPluginEntry } from "./cluster/cluster-config.js";
export { parseManifests, type ApplyResult, type ApplyAction } from "./cluster/apply.js";
export { HttpClient } from "./client/http-client.js";
export { readKubeconfig, writeKubeconfig, resolveContext, kubeconfigFor, type Kubeconfig } from "./client/kubeconfig.js";
export * from "./apiserver/http/index.js";
export * as cri from "./cri/index.js";
export { Images, UnknownImages, parseImageReference, type ImageDefinition, type ImageConfig, type UnknownImagePolicy } from "./cri/images.js";
export { ContainerRuntimes, NodeRuntimeToken, type ContainerRuntimeFactory, type NodeRuntime, type RuntimeService, type ImageService } from "./cri/runtime-service.js";
export { CriError, isCriError, type CriCode } from "./cri/errors.js";
export type { Program, Process, Signal } from "./cri/process.js";
export * from "./volume/index.js";
export * as csi from "./csi/index.js";
export { StorageDrivers, csiControllerPlugins, CsiNodePlugins, NodeHostFs, type StorageDriver, type CsiControllerContext, type CsiNodeContext, type CsiControllerRegistry, type CsiNodeRegistry } from "./csi/storage-drivers.js";
export { CsiError, isCsiError, type CsiCode } from "./csi/errors.js";
export type { IdentityService, ControllerService, NodeService, CsiControllerPlugin, CsiNodePlugin } from "./csi/services.js";
export { HostFileSystem, type HostMount } from "./cri/host-filesystem.js";
export { DirectoryFileSystem } from "./cri/directory-filesystem.js";
export { UnixSockets, UnixSocketTable, UnixSocketError, type UnixListener } from "./net/unix-sockets.js";
export { NodeHost, type NodeHostOptions } from "./cluster/node-host.js";
