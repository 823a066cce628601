import { locationDirective, upstreamName, type Location, type RoutingModel, type Server } from "./routing-model.js";

/** The controller's version strings (its image tag and the nginx it bundles). */
export const CONTROLLER_VERSION = "v1.12.1";
export const NGINX_VERSION = "1.25.5";

function locationBlock(server: Server, l: Location): string {
  const a = l.annotations;
  const lines: string[] = [`\t\tlocation ${locationDirective(server, l)} {`];
  lines.push(`\t\t\tset $namespace      "${l.ingress.namespace}";`);
  lines.push(`\t\t\tset $ingress_name   "${l.ingress.name}";`);
  lines.push(`\t\t\tset $service_name   "${l.backend?.service ?? ""}";`);
  lines.push(`\t\t\tset $service_port   "${l.backend?.port.number ?? l.backend?.port.name ?? ""}";`);
  lines.push(`\t\t\tset $location_path  "${l.path}";`);
  lines.push(`\t\t\tset $proxy_upstream_name "${upstreamName(l.backend)}";`);
  if (l.canary) lines.push(`\t\t\tset $proxy_alternative_upstream_name "${upstreamName(l.canary.backend)}";`);
  if (server.tlsSecret && a.sslRedirect !== false) lines.push(`\t\t\tif ($scheme = http) {\n\t\t\t\treturn 308 https://$redirect_to$request_uri;\n\t\t\t}`);
  else if (a.forceSslRedirect) lines.push(`\t\t\treturn 308 https://$redirect_to$request_uri;`);
  if (a.allowSourceRange) {
    for (const cidr of a.allowSourceRangeText!.split(",").map((s) => s.trim()).filter(Boolean)) lines.push(`\t\t\tallow ${cidr};`);
    lines.push(`\t\t\tdeny all;`);
  }
  if (a.permanentRedirect) lines.push(`\t\t\treturn ${a.permanentRedirectCode} ${a.permanentRedirect};`);
  if (a.temporalRedirect) lines.push(`\t\t\treturn 302 ${a.temporalRedirect};`);
  lines.push(`\t\t\tclient_max_body_size                    ${a.proxyBodySizeText};`);
  if (a.affinity === "cookie") lines.push(`\t\t\t# affinity: cookie ${a.sessionCookieName}`);
  if (a.customHttpErrors.length) lines.push(`\t\t\tproxy_intercept_errors on;\n\t\t\t${a.customHttpErrors.map((c) => `error_page ${c} = @custom_upstream-default-backend_${c};`).join("\n\t\t\t")}`);
  lines.push(`\t\t\tproxy_set_header Host                   $best_http_host;`);
  lines.push(`\t\t\tproxy_set_header X-Request-ID           $req_id;`);
  lines.push(`\t\t\tproxy_set_header X-Real-IP              $remote_addr;`);
  lines.push(`\t\t\tproxy_set_header X-Forwarded-For        $remote_addr;`);
  lines.push(`\t\t\tproxy_set_header X-Forwarded-Host       $best_http_host;`);
  lines.push(`\t\t\tproxy_set_header X-Forwarded-Port       $pass_port;`);
  lines.push(`\t\t\tproxy_set_header X-Forwarded-Proto      $pass_access_scheme;`);
  lines.push(`\t\t\tproxy_set_header X-Forwarded-Scheme     $pass_access_scheme;`);
  lines.push(`\t\t\tproxy_set_header X-Scheme               $pass_access_scheme;`);
  lines.push(`\t\t\tproxy_http_version                      1.1;`);
  if (a.rewriteTarget !== undefined) lines.push(`\t\t\trewrite "(?i)${l.path}" ${a.rewriteTarget} break;`);
  const scheme = a.backendProtocol === "HTTPS" ? "https" : a.backendProtocol === "GRPC" ? "grpc" : "http";
  lines.push(`\t\t\tproxy_pass ${scheme}://upstream_balancer;`);
  lines.push(`\t\t}`);
  return lines.join("\n");
}

function serverBlock(server: Server): string {
  const name = server.hostname.startsWith("*.") ? `~^(?<subdomain>[\\w-]+)\\.${server.hostname.slice(2).replace(/\./g, "\\.")}$` : server.hostname;
  const isDefault = server.hostname === "_";
  const lines = [`\t## start server ${server.hostname}`, `\tserver {`, `\t\tserver_name ${name} ;`, ""];
  lines.push(`\t\tlisten 80 ${isDefault ? "default_server reuseport backlog=4096 " : ""};`);
  lines.push(`\t\tlisten 443 ${isDefault ? "default_server reuseport backlog=4096 " : ""}ssl;`);
  lines.push("");
  lines.push(`\t\tset $proxy_upstream_name "-";`);
  lines.push("");
  if (server.tlsSecret) lines.push(`\t\t# certificate from secret ${server.tlsSecret}`, `\t\tssl_certificate_by_lua_block {\n\t\t\tcertificate.call()\n\t\t}`, "");
  else lines.push(`\t\tssl_certificate_by_lua_block {\n\t\t\tcertificate.call()\n\t\t}`, "");
  for (const l of server.locations) lines.push(locationBlock(server, l), "");
  lines.push(`\t}`, `\t## end server ${server.hostname}`);
  return lines.join("\n");
}

/**
 * The controller's nginx.conf for a routing model, laid out as ingress-nginx's template renders it
 * (http block, the catch-all default server, one `server` per host with its `location`s), so
 * `kubectl exec -n ingress-nginx <controller> -- cat /etc/nginx/nginx.conf` reads like the real one.
 */
export function renderNginxConf(model: RoutingModel, nowIso: string): string {
  const servers = [model.catchAll, ...[...model.servers.values(), ...model.wildcards].sort((a, b) => (a.hostname < b.hostname ? -1 : 1))];
  return `
# Configuration checksum: ${checksum(servers)}

# setup custom paths that do not require root access
pid /tmp/nginx/nginx.pid;

daemon off;

worker_processes 2;

worker_rlimit_nofile 1047552;

worker_shutdown_timeout 240s ;

events {
\tmulti_accept        on;
\tworker_connections  16384;
\tuse                 epoll;
}

http {
\tlua_package_path "/etc/nginx/lua/?.lua;;";

\t# Generated at ${nowIso}

\taccess_log off;

\tclient_max_body_size                    1m;

\tserver_tokens off;

\t# Custom log format
\tlog_format upstreaminfo '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id';

\tmap $request_uri $loggable {
\t\tdefault 1;
\t}

\taccess_log /var/log/nginx/access.log upstreaminfo  if=$loggable;

\terror_log  /var/log/nginx/error.log notice;

\tupstream upstream_balancer {
\t\t### Attention!!!
\t\t#
\t\t# We no longer create "upstream" section for every backend.
\t\t# Backends are handled dynamically using Lua. If you would like to debug
\t\t# and see what backends ingress-nginx uses you can use "kubectl ingress-nginx backends" (or the /configuration/backends endpoint).
\t\tserver 0.0.0.1; # placeholder

\t\tbalancer_by_lua_block {
\t\t\tbalancer.balance()
\t\t}

\t\tkeepalive 320;
\t\tkeepalive_time 1h;
\t\tkeepalive_timeout  60s;
\t\tkeepalive_requests 10000;
\t}

${servers.map(serverBlock).join("\n\n")}

\t# default server, used for NGINX healthcheck and access to nginx stats
\tserver {
\t\tlisten 127.0.0.1:10246;
\t\tset $proxy_upstream_name "internal";

\t\tkeepalive_timeout 0;
\t\tgzip off;

\t\taccess_log off;

\t\tlocation /healthz {
\t\t\treturn 200;
\t\t}
\t}
}
`;
}

function checksum(servers: readonly Server[]): string {
  let h = 0;
  for (const s of servers) for (const c of s.hostname + s.locations.map((l) => l.path + upstreamName(l.backend)).join()) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return String(h);
}
