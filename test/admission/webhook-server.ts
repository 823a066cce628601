import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { selfSignedCertificate } from "../../core/apiserver/http/tls.js";

/** What a test webhook answers for one AdmissionReview request (the uid is filled in). */
export type ReviewHandler = (request: Record<string, unknown>, path: string) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * A webhook served over HTTPS on 127.0.0.1 with a self-signed `localhost` certificate; `caBundle` trusts it.
 * It answers AdmissionReviews, or the review kind given (a ConversionReview).
 */
export interface WebhookServer {
  url(path: string): string;
  caBundle: string;
  /** Every AdmissionReview request received, in order. */
  received: Record<string, unknown>[];
  close(): Promise<void>;
}

const certificate = selfSignedCertificate("localhost", ["localhost"]);

export async function startWebhookServer(handler: ReviewHandler, review: { apiVersion: string; kind: string } = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }): Promise<WebhookServer> {
  const { certPem, keyPem } = await certificate;
  const received: Record<string, unknown>[] = [];
  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { request: Record<string, unknown> };
      received.push(body.request);
      const response = await handler(body.request, req.url ?? "/");
      if (res.destroyed) return;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ ...review, response: { uid: body.request["uid"], ...response } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `https://localhost:${port}${path}`,
    caBundle: Buffer.from(certPem).toString("base64"),
    received,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A JSONPatch as a webhook response carries it. */
export function jsonPatch(ops: unknown[]): { patchType: string; patch: string } {
  return { patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") };
}
