package dev.iae.tribuo;

/**
 * Where ONNX Runtime runs a served model.
 */
public enum ExecutionProvider {
    /** CUDA when the CUDA build of ONNX Runtime and a GPU are present, otherwise CPU (logged once). */
    AUTO,
    /** Always the CPU. */
    CPU,
    /**
     * Always CUDA; fails if it is not available. A model read from a file that recorded CUDA is the exception: where
     * CUDA is not available it runs on the CPU with a logged warning, so that a saved model loads on any machine.
     */
    CUDA
}
