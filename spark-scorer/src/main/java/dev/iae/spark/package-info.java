/**
 * Cluster-scale scoring of Apache Spark {@code Dataset<Row>}s with an exported IAE-LSTM-KL ONNX model: the ONNX
 * bytes are broadcast once, each partition runs one ONNX Runtime session in batches, and the feature columns, the
 * threshold and the tensor names come from the model's own ONNX metadata, so executors need nothing but this
 * package and ONNX Runtime ({@link dev.iae.spark.IaeSparkScorer}, the {@link dev.iae.spark.ScoreTable} job).
 */
package dev.iae.spark;
