/**
 * ONNX export of the IAE-LSTM-KL anomaly detector: a framework-free description of a trained network
 * ({@link dev.iae.onnx.IaeArchitecture}, {@link dev.iae.onnx.IaeNetworkDescription}, named
 * {@link dev.iae.onnx.FloatTensor}s), the writer that turns it into a self-contained ONNX graph
 * ({@link dev.iae.onnx.IaeOnnxWriter}) and the deployment contract of that graph: input and output names and metadata
 * keys ({@link dev.iae.onnx.OnnxContract}), read and edited with {@link dev.iae.onnx.OnnxMetadata}. Two graph
 * transformations work on written models: {@link dev.iae.onnx.ScoreGraphPruner} cuts a graph down to one output, and
 * {@link dev.iae.onnx.OnnxScoreSum} merges several models into one whose score is the sum of theirs.
 */
package dev.iae.onnx;
