/**
 * Runnable examples of the IAE-LSTM-KL Tribuo plugin, starting with {@link dev.iae.examples.Demo}: train on a
 * Fashion-MNIST sample embedded in this module, evaluate with Tribuo, export to ONNX and serve the file with plain
 * ONNX Runtime. Data sources live in {@link dev.iae.examples.data}; {@link dev.iae.examples.ProgramDefaults} holds
 * what every program here sets before DJL can load (no telemetry, no downloads, one libtorch thread).
 */
package dev.iae.examples;
