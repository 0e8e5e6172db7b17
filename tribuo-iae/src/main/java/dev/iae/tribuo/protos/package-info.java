/**
 * Protobuf messages (generated from {@code src/main/proto/iae.proto}) for Tribuo's protobuf serialization of
 * {@link dev.iae.tribuo.IaeModel}: the model's Tribuo metadata, its ONNX bytes with their SHA-256, threshold and
 * serving settings.
 */
package dev.iae.tribuo.protos;
