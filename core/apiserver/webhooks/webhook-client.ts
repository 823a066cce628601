import { request } from "node:https";
import { connect as tlsConnect, createSecureContext, type SecureContext } from "node:tls";
import type { Duplex } from "node:stream";
import type { WebhookClientConfig } from "kubernetes-types/admissionregistration/v1.js";

/**
 * Where a webhook's Service is reached from the API server: an address and port to connect to,
 * and, when that address is on the simulated network (a pod), how to open the TCP connection
 * there (TLS and HTTP then run over it).
 */
export type ServiceResolver = (namespace: string, name: string, port: number) => Promise<{ host: string; port: number; connect?: () => Promise<Duplex> }>;

/** A webhook call that did not produce a response body: the message reads as Go's `*url.Error` (`Post "https://…": …`). */
export class WebhookCallError extends Error {
  constructor(message: string, readonly timedOut: boolean) {
    super(message);
  }
}

/** The endpoint of a client config (`https://name.namespace.svc:port/path` for a Service), with `?timeout=Ns` as client-go adds it. */
function endpoint(cc: WebhookClientConfig, timeoutSeconds: number): URL {
  const u = cc.url ? new URL(cc.url) : new URL(`https://${cc.service!.name}.${cc.service!.namespace}.svc:${cc.service!.port ?? 443}${cc.service!.path ?? "/"}`);
  u.searchParams.set("timeout", `${timeoutSeconds}s`);
  return u;
}

/**
 * POSTs a JSON review (AdmissionReview, ConversionReview) to a webhook over HTTPS, trusting only
 * the config's caBundle (the system roots when it is empty), within `timeoutSeconds`. Resolves to
 * the parsed response body; rejects with {@link WebhookCallError} when the call fails, times out,
 * answers a non-2xx status or a body that is not JSON.
 */
export async function postToWebhook(cc: WebhookClientConfig, body: unknown, timeoutSeconds: number, resolveService: ServiceResolver): Promise<unknown> {
  const url = endpoint(cc, timeoutSeconds);
  // client-go names a Service's host with its port, 443 included.
  const shown = cc.service && !url.port ? url.toString().replace(url.host, `${url.host}:443`) : url.toString();
  const post = `Post "${shown.replace(/%2F/g, "/")}"`;
  let host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let port = Number(url.port || 443);
  let tunnel: Duplex | undefined;
  if (cc.service) {
    try {
      const target = await resolveService(cc.service.namespace, cc.service.name, cc.service.port ?? 443);
      ({ host, port } = target);
      if (target.connect) tunnel = await target.connect();
    } catch (err) {
      throw new WebhookCallError(`${post}: ${(err as Error).message}`, false);
    }
  }
  const payload = Buffer.from(JSON.stringify(body));
  const secureContext = cc.caBundle ? trusting(cc.caBundle) : undefined;
  return new Promise((resolve, reject) => {
    const req = request({
      host,
      port,
      method: "POST",
      path: `${url.pathname}${url.search}`,
      servername: url.hostname,
      ...(secureContext ? { secureContext } : {}),
      headers: { "Content-Type": "application/json", Accept: "application/json, */*", "Content-Length": payload.length, Host: url.host },
      // Over the simulated network: TLS on the connection the resolver opened (no agent, so Node uses it).
      ...(tunnel ? { createConnection: () => tlsConnect({ socket: tunnel, servername: url.hostname, ...(secureContext ? { secureContext } : {}) }) } : { agent: false }),
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new WebhookCallError(`${post}: context deadline exceeded`, true));
    }, timeoutSeconds * 1000);
    timer.unref?.();
    req.on("error", (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
      clearTimeout(timer);
      const addr = err.address ?? host;
      const detail = err.code === "ECONNREFUSED" ? `dial tcp ${addr.includes(":") ? `[${addr}]` : addr}:${err.port ?? port}: connect: connection refused`
        : /certificate|self.signed|unable to verify/i.test(err.message) ? `tls: failed to verify certificate: x509: certificate signed by unknown authority`
          : err.message;
      reject(new WebhookCallError(`${post}: ${detail}`, false));
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (err) => {
        clearTimeout(timer);
        reject(new WebhookCallError(`${post}: ${err.message}`, false));
      });
      res.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) {
          reject(new WebhookCallError(`an error on the server (${JSON.stringify(text.trim())}) has prevented the request from succeeding`, false));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(new WebhookCallError(`${post}: ${(err as Error).message}`, false));
        }
      });
    });
    req.end(payload);
  });
}

/** Client TLS contexts trusting a caBundle, by bundle: parsing the certificates costs more than a review call (kube-apiserver's webhook clients keep theirs too). */
const contexts = new Map<string, SecureContext>();

function trusting(caBundle: string): SecureContext {
  let context = contexts.get(caBundle);
  if (!context) {
    if (contexts.size >= 64) contexts.clear();
    context = createSecureContext({ ca: Buffer.from(caBundle, "base64") });
    contexts.set(caBundle, context);
  }
  return context;
}
