/**
 * Performance harness (issue 5): JMH benchmarks of inference (ONNX Runtime through Tribuo, raw ONNX Runtime, the
 * DJL forward pass) and of the ONNX Runtime levers, a training-throughput main to run interleaved with the PyTorch
 * peer ({@code benchmarks/perf_torch.py}), a weight exporter so the peer runs on the same weights, and a
 * constant-memory streaming-scoring check. Run everything with {@code benchmarks/run-perf.sh}; none of it is part
 * of the unit-test suite.
 */
package dev.iae.examples.perf;
