/**
 * Small, copyable example programs, each runnable with one command from the repository root
 * ({@code examples/bin/run dev.iae.examples.usage.NAME} after {@code mvn -B -q install -DskipTests}): train and
 * evaluate on a CSV file ({@link dev.iae.examples.usage.TrainOnCsv}), serve the exported ONNX file with plain ONNX
 * Runtime ({@link dev.iae.examples.usage.ExportAndServe}), change the threshold of a trained model
 * ({@link dev.iae.examples.usage.AdjustThreshold}) and compare the paper's ablation presets
 * ({@link dev.iae.examples.usage.AblationPresets}).
 */
package dev.iae.examples.usage;
