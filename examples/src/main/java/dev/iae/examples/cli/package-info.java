/**
 * The {@code iae} command-line tool ({@link dev.iae.examples.cli.IaeCli}): train an IAE-LSTM-KL detector from a CSV
 * file, an IDX image directory or a folder/archive of images, evaluate it with Tribuo's anomaly metrics, AUROC, AUPRC
 * and plots, score large unlabelled CSV files or image sets in constant memory, and inspect model and ONNX files —
 * without writing Java. Training progress comes from the trainer's {@link dev.iae.tribuo.TrainingListener}.
 */
package dev.iae.examples.cli;
