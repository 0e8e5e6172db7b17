/**
 * The {@code iae} command-line tool ({@link dev.iae.examples.cli.IaeCli}): train an IAE-LSTM-KL detector from a CSV
 * file or an IDX image directory, evaluate it with Tribuo's anomaly metrics, AUROC, AUPRC and plots, score large
 * unlabelled CSV files in constant memory, and inspect model and ONNX files — without writing Java.
 */
package dev.iae.examples.cli;
