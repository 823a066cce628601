/**
 * The kubelet's plugin registration API (`k8s.io/kubelet/pkg/apis/pluginregistration/v1`): a
 * plugin — for CSI, the node-driver-registrar beside the driver — serves a `Registration` service
 * on a socket it creates in {@link PLUGINS_REGISTRY_DIR}; the kubelet's plugin watcher finds the
 * socket, asks `GetInfo`, registers the plugin with the handler of its type (the CSI handler
 * calls the driver's `NodeGetInfo` at `endpoint` and records the CSINode entry), and reports the
 * outcome with `NotifyRegistrationStatus`. When the socket goes, the plugin is deregistered.
 */

/** Where plugins put their registration sockets (`--plugins-registry-dir` of the registrar, kubelet's watch). */
export const PLUGINS_REGISTRY_DIR = "/var/lib/kubelet/plugins_registry";
/** Where drivers put their own sockets, by convention `/var/lib/kubelet/plugins/<driver>/csi.sock`. */
export const KUBELET_PLUGINS_DIR = "/var/lib/kubelet/plugins";

/** `PluginInfo`: what `GetInfo` answers. */
export interface PluginInfo {
  /** `CSIPlugin` (or `DevicePlugin`, `DRAPlugin`: handlers the kubelet may not have). */
  readonly type: string;
  /** The plugin's name: the CSI driver name. */
  readonly name: string;
  /** The socket the kubelet calls the plugin on, as a path on the node (`--kubelet-registration-path`). */
  readonly endpoint: string;
  /** Versions of the plugin's service the plugin speaks (CSI: `1.0.0`). */
  readonly supportedVersions: readonly string[];
}

/** `RegistrationStatus`: the kubelet's answer to a registration. */
export interface RegistrationStatus {
  readonly pluginRegistered: boolean;
  /** Why registration failed ("" when it did not). */
  readonly error: string;
}

/** The `Registration` service a registration socket serves. */
export interface RegistrationService {
  getInfo(): Promise<PluginInfo>;
  notifyRegistrationStatus(status: RegistrationStatus): Promise<void>;
}
