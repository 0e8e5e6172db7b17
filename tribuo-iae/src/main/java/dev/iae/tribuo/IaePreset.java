package dev.iae.tribuo;

import dev.iae.onnx.ScoreKind;

/**
 * The paper's comparison set (Huang et al., IAE-LSTM-KL, Table of ablations), each a configuration of the one
 * {@link IaeTrainer}: which modules the network has and which score it reports by default.
 * <p>
 * Sizes (LSTM hidden size, latent size, …) and loss weights come from the trainer's settings; a preset only switches
 * modules on or off. A module that is off ignores its settings (e.g. {@code lstmHidden} without the LSTM).
 */
public enum IaePreset {
    /** Convolutional / plain autoencoder: decoder only, reconstruction-error score; no hypersphere, LSTM or KL. */
    CAE(true, false, false, false, ScoreKind.RECONSTRUCTION),
    /** Deep SVDD: encoder and hypersphere; no decoder, LSTM or KL (the autoencoder is used for pre-training only). */
    DEEP_SVDD(false, true, false, false, ScoreKind.SVDD),
    /** IAE: autoencoder plus hypersphere, trained jointly. */
    IAE(true, true, false, false, ScoreKind.SVDD),
    /** IAE with the one-step LSTM module between encoder and latent. */
    IAE_LSTM(true, true, true, false, ScoreKind.SVDD),
    /** IAE with the KL penalty on the latents. */
    IAE_KL(true, true, false, true, ScoreKind.SVDD),
    /** The full model, IAE-LSTM-KL. */
    IAE_LSTM_KL(true, true, true, true, ScoreKind.SVDD);

    private final boolean decoder;
    private final boolean svdd;
    private final boolean lstm;
    private final boolean kl;
    private final ScoreKind defaultScore;

    IaePreset(boolean decoder, boolean svdd, boolean lstm, boolean kl, ScoreKind defaultScore) {
        this.decoder = decoder;
        this.svdd = svdd;
        this.lstm = lstm;
        this.kl = kl;
        this.defaultScore = defaultScore;
    }

    /** @return true if the trained network keeps its decoder (reconstruction loss and outputs). */
    public boolean useDecoder() {
        return decoder;
    }

    /** @return true if the network has the hypersphere (SVDD loss, centre, distance output). */
    public boolean useSvdd() {
        return svdd;
    }

    /** @return true if the network has the one-step LSTM module. */
    public boolean useLstm() {
        return lstm;
    }

    /** @return true if the loss includes the KL penalty. */
    public boolean useKl() {
        return kl;
    }

    /** @return the score kind used when the trainer's {@code scoreKind} is not set. */
    public ScoreKind defaultScoreKind() {
        return defaultScore;
    }
}
