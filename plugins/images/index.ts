import { definePlugin } from "../../core/plugins/plugin.js";
import { Images, type ImageDefinition } from "../../core/cri/images.js";
import { AGNHOST } from "./catalog/agnhost.js";
import { BUSYBOX } from "./catalog/busybox.js";
import { ECHOSERVER } from "./catalog/echoserver.js";
import { HTTPBIN, HTTPBIN_GHCR } from "./catalog/httpbin.js";
import { NGINX } from "./catalog/nginx.js";
import { PAUSE } from "./catalog/pause.js";
import { STRESS } from "./catalog/stress.js";
import { REDIS } from "./catalog/redis.js";
import { SERVERS } from "./catalog/servers.js";
import { GRPCBIN } from "./catalog/grpcbin.js";
import { DEFAULTBACKEND } from "./catalog/defaultbackend.js";
import { COREOS_ETCD_IMAGE, ETCD_IMAGE } from "./catalog/etcd/image.js";
import { KUBE_APISERVER } from "./catalog/control-plane.js";

export { BUSYBOX_APPLETS, parseSleep } from "./busybox/applets.js";
export { sh } from "./busybox/sh.js";
export { USERLAND, baseFiles } from "./userland.js";
export { serveHttp, serveHttps, untilSignal, onLines, clfTime, nginxErrorTime } from "./daemon.js";
export { ETCD_IMAGE, COREOS_ETCD_IMAGE } from "./catalog/etcd/image.js";
export { serveGrpc, grpcFrame, grpcUnframe, encodeGrpcMessage, GrpcCode, GrpcStatusError, DEFAULT_MAX_RECEIVE_MESSAGE_SIZE, type GrpcServerOptions, type GrpcCall, type GrpcReply, type GrpcServices, type GrpcStreamingCall, type GrpcStreamingMethod } from "./grpc-server.js";

/** The built-in images, as the registries serve them. */
export const BUILT_IN_IMAGES: readonly ImageDefinition[] = [PAUSE, BUSYBOX, NGINX, AGNHOST, HTTPBIN, HTTPBIN_GHCR, REDIS, ECHOSERVER, STRESS, GRPCBIN, DEFAULTBACKEND, KUBE_APISERVER, ETCD_IMAGE, COREOS_ETCD_IMAGE, ...SERVERS];

/**
 * The images people use in manifests and tutorials (pause, busybox, nginx, agnhost, httpbin,
 * the Ingress conformance echo server, grpcbin, ingress-nginx's defaultbackend, kubeadm's
 * kube-apiserver and etcd (a simulated etcd member, which the etcd operator also runs), redis, postgres, mysql, memcached, httpd, alpine, debian, ubuntu, python, node), contributed to
 * `Images`. Third-party image plugins contribute their own the same way.
 */
export default definePlugin({
  name: "images",
  description: "built-in images: pause, busybox, nginx, agnhost, httpbin, redis and the common official images",
  setup(ctx) {
    for (const image of BUILT_IN_IMAGES) ctx.contribute(Images, image.repository, image);
    return () => {
      for (const image of BUILT_IN_IMAGES) ctx.extensions(Images).withdraw(image.repository);
    };
  },
});
