export { decodeProtobufObject, PROTOBUF_MEDIA_TYPE, type DecodedProtobufObject } from "./decode-protobuf-object.js";
