/**
 * IAE-LSTM-KL deep anomaly detection for Tribuo: {@link dev.iae.tribuo.IaeTrainer} trains the network with DJL
 * (PyTorch engine) through Tribuo's {@code Trainer<Event>} API, with the paper's ablations as
 * {@link dev.iae.tribuo.IaePreset}s, and returns an {@link dev.iae.tribuo.IaeModel}, a Tribuo {@code Model<Event>}
 * that owns the exported ONNX graph and scores examples with ONNX Runtime. {@link dev.iae.tribuo.IaeEnsembleTrainer}
 * trains several such networks (e.g. on two views of the pre-processing) and serves the sum of their scores as one
 * {@code IaeModel} over one merged graph.
 */
package dev.iae.tribuo;
