package dev.iae.tribuo;

/**
 * Where ONNX Runtime runs a served model.
 */
public enum ExecutionProvider {
    /** CUDA when the CUDA build of ONNX Runtime and a GPU are present, otherwise CPU (logged once). */
    AUTO,
    /** Always the CPU. */
    CPU,
    /** Always CUDA; fails if it is not available. */
    CUDA
}
