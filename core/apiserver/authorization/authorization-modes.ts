/** kube-apiserver's `--authorization-mode` values kubesim implements. */
export type AuthorizationMode = "AlwaysAllow" | "AlwaysDeny" | "Node" | "RBAC";

/** kube-apiserver's (kubeadm's) setting, kubesim's default: kubelets by the Node authorizer, everyone else by RBAC. */
export const DEFAULT_AUTHORIZATION_MODES: readonly AuthorizationMode[] = Object.freeze(["Node", "RBAC"]);

const KNOWN = new Set<string>(["AlwaysAllow", "AlwaysDeny", "Node", "RBAC"]);

/** Parses `Node,RBAC`; an unknown or repeated mode is refused as kube-apiserver refuses it. */
export function parseAuthorizationModes(value: string): AuthorizationMode[] {
  const modes = value.split(",").map((m) => m.trim()).filter(Boolean);
  if (!modes.length) throw new Error("--authorization-mode: at least one authorization-mode must be passed");
  const seen = new Set<string>();
  for (const m of modes) {
    if (!KNOWN.has(m)) throw new Error(`--authorization-mode: authorization-mode "${m}" is not a valid mode (use ${[...KNOWN].join(", ")})`);
    if (seen.has(m)) throw new Error(`--authorization-mode: "${m}" specified more than once`);
    seen.add(m);
  }
  return modes as AuthorizationMode[];
}
