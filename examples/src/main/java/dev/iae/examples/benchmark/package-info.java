/**
 * One-class benchmark runners (commands, not tests): {@link dev.iae.examples.benchmark.OneClassBenchmark} trains the
 * IAE presets and Tribuo's one-class SVM on Fashion-MNIST or CIFAR-10 (JPEG) by the one-class protocol, scores the
 * full test sets and writes Markdown and CSV tables ({@link dev.iae.examples.benchmark.ResultTable}) in the format
 * shared with the Python peer script {@code benchmarks/peers.py}; the fixed per-data-set hyper-parameters are in
 * {@link dev.iae.examples.benchmark.BenchmarkConfig}. On request it also keeps every scored example's score
 * ({@link dev.iae.examples.benchmark.ScoreFile}), so that combinations of models can be evaluated later without
 * training again.
 */
package dev.iae.examples.benchmark;
