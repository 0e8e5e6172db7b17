package dev.iae.tribuo;

/**
 * How the trainer draws the network's initial weights (from the trainer's seed either way).
 */
public enum WeightInit {
    /**
     * PyTorch's defaults, which the reference implementations (Ruff et al.'s Deep SVDD, the IAE-LSTM-KL authors'
     * code) train from: convolution and linear weights and biases uniform in ±1/√fan_in (fan_in = input channels ×
     * kernel area, or input features), LSTM weights and biases uniform in ±1/√hidden.
     */
    PYTORCH,
    /**
     * DJL's defaults: weights normal with variance 2/fan_in (He), biases zero, the LSTM included.
     */
    DJL
}
