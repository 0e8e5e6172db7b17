package dev.iae.examples.cli;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import com.oracle.labs.mlrg.olcut.provenance.ObjectProvenance;
import dev.iae.onnx.OnnxContract;
import dev.iae.onnx.OnnxMetadata;
import dev.iae.tribuo.ExecutionProvider;
import dev.iae.tribuo.IaeModel;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.MutableFeatureMap;
import org.tribuo.MutableOutputInfo;
import org.tribuo.ONNXExportable;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads and writes the model files the tool works with: a Tribuo model file (Tribuo protobuf,
 * {@link Model#serializeToFile}) and a deployable ONNX file ({@link IaeModel#saveONNXModel}). Loading detects the
 * format from the content, so either file can be given wherever a model is expected.
 */
public final class ModelFiles {
    /** Extension of Tribuo model files written by the tool. */
    public static final String TRIBUO_EXTENSION = ".tribuo";
    /** Extension of ONNX files written by the tool. */
    public static final String ONNX_EXTENSION = ".onnx";
    /** The ONNX domain written into exported files. */
    public static final String ONNX_DOMAIN = "dev.iae";

    private ModelFiles() { }

    /**
     * A loaded model and where it came from.
     * @param model the model (close it when it is an {@link IaeModel}).
     * @param format "Tribuo model" or "ONNX".
     * @param path the file.
     */
    public record Loaded(Model<Event> model, String format, Path path) implements AutoCloseable {
        /** @return the model as an {@link IaeModel}, or null when it is another kind of Tribuo anomaly model. */
        public IaeModel iae() {
            return model instanceof IaeModel m ? m : null;
        }

        /** Closes the model's ONNX Runtime session, if it has one. */
        @Override
        public void close() {
            if (model instanceof IaeModel m) {
                m.close();
            }
        }
    }

    /**
     * Loads a model file: a Tribuo model file of an anomaly model, or an IAE-LSTM-KL ONNX file.
     * @param path the file.
     * @param provider where ONNX Runtime runs an IAE-LSTM-KL model.
     * @return the model.
     * @throws CliException if the file is missing or is neither kind of file, or the provider cannot start.
     */
    public static Loaded load(Path path, ExecutionProvider provider) {
        CsvInput.checkReadable(path);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new CliException("Cannot read the model file " + path + ": " + CsvInput.message(e), e);
        }
        Map<String, String> onnxMeta = onnxMetadata(bytes);
        if (onnxMeta != null) {
            return new Loaded(fromOnnx(path, bytes, onnxMeta, provider), "ONNX", path);
        }
        Model<?> model;
        // A file saved with CUDA opens on the CPU, with a logged warning, where CUDA cannot start. When CUDA is what
        // the user asked for, that warning would precede the refusal below: keep it quiet for this load.
        Logger iaeLogger = Logger.getLogger(IaeModel.class.getName());
        Level level = iaeLogger.getLevel();
        if (provider == ExecutionProvider.CUDA) {
            iaeLogger.setLevel(Level.SEVERE);
        }
        try {
            model = Model.deserializeFromFile(path);
        } catch (IOException | RuntimeException e) {
            throw new CliException(path + " is neither a Tribuo model file nor an IAE-LSTM-KL ONNX file ("
                    + firstLine(e) + ")", e);
        } finally {
            iaeLogger.setLevel(level);
        }
        if (!model.validate(Event.class)) {
            throw new CliException(path + " is a Tribuo model of " + model.getOutputIDInfo().getDomain()
                    + " outputs, not an anomaly detection model");
        }
        Model<Event> events = model.castModel(Event.class);
        // A new session on the chosen provider, also for CUDA when the file's own session fell back to the CPU:
        // an explicit provider never falls back, so its failure names the real cause.
        if (events instanceof IaeModel m && (provider != m.executionProvider()
                || (provider != ExecutionProvider.AUTO && m.activeExecutionProvider() != provider))) {
            try {
                events = m.withExecutionProvider(provider);
            } catch (IllegalStateException e) {
                throw new CliException("Cannot run " + path + " on execution provider " + provider + ": "
                        + e.getMessage(), e);
            } finally {
                m.close();  // the file's own session: replaced, or not needed after the failure
            }
        }
        return new Loaded(events, "Tribuo model", path);
    }

    /**
     * The metadata of an IAE-LSTM-KL ONNX file, or null if the bytes are not one.
     * @param bytes the file content.
     * @return the metadata entries, or null.
     */
    public static Map<String, String> onnxMetadata(byte[] bytes) {
        try {
            OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(bytes);
            if (!proto.hasGraph() || proto.getIrVersion() == 0) {
                return null;
            }
            Map<String, String> meta = OnnxMetadata.read(proto);
            return meta.containsKey(OnnxContract.META_FEATURE_NAMES) ? meta : null;
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return null;
        }
    }

    private static IaeModel fromOnnx(Path path, byte[] bytes, Map<String, String> meta, ExecutionProvider provider) {
        List<String> names = OnnxMetadata.decodeStringList(meta.get(OnnxContract.META_FEATURE_NAMES));
        MutableFeatureMap fm = new MutableFeatureMap();
        for (String n : names) {
            fm.add(n, 0.0);
        }
        ImmutableFeatureMap featureMap = new ImmutableFeatureMap(fm);
        AnomalyFactory factory = new AnomalyFactory();
        MutableOutputInfo<Event> info = factory.generateInfo();
        info.observe(AnomalyFactory.EXPECTED_EVENT);
        info.observe(AnomalyFactory.ANOMALOUS_EVENT);
        ImmutableOutputInfo<Event> outputInfo = info.generateImmutableOutputInfo();
        ModelProvenance provenance = provenance(meta);
        if (provenance == null) {
            throw new CliException("The ONNX file " + path + " carries no Tribuo provenance ("
                    + ONNXExportable.PROVENANCE_METADATA_FIELD + " metadata); it was not written by this project");
        }
        try {
            return IaeModel.fromOnnx(fileStem(path), provenance, featureMap, outputInfo, bytes, provider);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException("Cannot load the ONNX file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The Tribuo provenance stored in an ONNX file's metadata.
     * @param meta the metadata.
     * @return the provenance, or null if absent or unreadable.
     */
    public static ModelProvenance provenance(Map<String, String> meta) {
        String serialized = meta.get(ONNXExportable.PROVENANCE_METADATA_FIELD);
        if (serialized == null) {
            return null;
        }
        try {
            ObjectProvenance p = ONNXExportable.SERIALIZER.deserializeAndUnmarshal(serialized);
            return p instanceof ModelProvenance mp ? mp : null;
        } catch (RuntimeException | com.oracle.labs.mlrg.olcut.provenance.io.ProvenanceSerializationException e) {
            return null;
        }
    }

    /**
     * Fails early, before any data is read or any training runs, when the model files could not be written: their
     * folder cannot be created or written into, or one of them exists and is a folder or a read-only file. Creates
     * the folder if it is missing (as {@link #write} would).
     * @param files the files to be written.
     * @throws CliException naming the file or folder and the problem.
     */
    public static void checkWritable(Path... files) {
        Set<Path> probed = new HashSet<>();
        for (Path file : files) {
            if (Files.isDirectory(file)) {
                throw new CliException("The output " + file + " is a directory, not a file");
            }
            if (Files.exists(file) && !Files.isWritable(file)) {
                throw new CliException("The output file " + file + " exists and is not writable");
            }
            Path folder = file.toAbsolutePath().getParent();
            if (folder == null) {
                continue;
            }
            for (Path p = folder; p != null; p = p.getParent()) {
                if (Files.exists(p) && !Files.isDirectory(p)) {
                    throw new CliException("Cannot write " + file + ": " + p + " is a file, not a folder");
                }
                if (Files.isDirectory(p)) {
                    break;
                }
            }
            createParent(file);
            if (!Files.isWritable(folder)) {
                throw new CliException("Cannot write " + file + ": the folder " + folder + " is not writable");
            }
            // isWritable trusts permission bits only (root passes it on a read-only file system): really try, once
            // per folder.
            if (!probed.add(folder)) {
                continue;
            }
            try {
                Files.delete(OutputFiles.createTemporary(file));
            } catch (IOException e) {
                throw new CliException("Cannot write " + file + ": cannot create a file in the folder " + folder
                        + " (" + CsvInput.message(e) + ")", e);
            }
        }
    }

    /**
     * Writes the Tribuo model file and the ONNX file of a trained model. Both are written to temporary files in
     * their folders first and moved into place only when both are complete, so a failure while writing leaves the
     * earlier files (if any) as they were. Should the second move fail, the new Tribuo file moved first is removed
     * again, so no mismatched pair is left (the earlier Tribuo file, already replaced, is gone then; the earlier
     * ONNX file stays).
     * @param model the model.
     * @param tribuoFile the Tribuo model file (null to skip).
     * @param onnxFile the ONNX file (null to skip).
     * @throws CliException if a file cannot be written or moved into place.
     */
    public static void write(IaeModel model, Path tribuoFile, Path onnxFile) {
        Path tribuoTemp = null;
        Path onnxTemp = null;
        try {
            try {
                if (tribuoFile != null) {
                    createParent(tribuoFile);
                    tribuoTemp = OutputFiles.createTemporary(tribuoFile);
                    model.serializeToFile(tribuoTemp);
                }
                if (onnxFile != null) {
                    createParent(onnxFile);
                    onnxTemp = OutputFiles.createTemporary(onnxFile);
                    model.saveONNXModel(ONNX_DOMAIN, 1, onnxTemp);
                }
            } catch (IOException e) {
                throw new CliException("Cannot write the model files: " + CsvInput.message(e), e);
            }
            if (tribuoTemp != null) {
                moveIntoPlace(tribuoTemp, tribuoFile);
                tribuoTemp = null;
            }
            if (onnxTemp != null) {
                try {
                    moveIntoPlace(onnxTemp, onnxFile);
                    onnxTemp = null;
                } catch (CliException e) {
                    if (tribuoFile != null) {
                        OutputFiles.deleteQuietly(tribuoFile);
                        throw new CliException(e.getMessage() + "; removed the new " + tribuoFile
                                + " so that it does not stand beside an older ONNX file", e.getCause());
                    }
                    throw e;
                }
            }
        } finally {
            OutputFiles.deleteQuietly(tribuoTemp);
            OutputFiles.deleteQuietly(onnxTemp);
        }
    }

    private static void moveIntoPlace(Path temporary, Path target) {
        try {
            OutputFiles.moveIntoPlace(temporary, target);
        } catch (IOException e) {
            throw new CliException("Cannot move the new model file into " + target + ": " + CsvInput.message(e), e);
        }
    }

    /**
     * Creates the parent directory of a file if needed.
     * @param file the file.
     * @throws CliException if it cannot be created.
     */
    public static void createParent(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            try {
                Files.createDirectories(parent);
            } catch (IOException e) {
                throw new CliException("Cannot create the directory " + parent + ": " + CsvInput.message(e), e);
            }
        }
    }

    /**
     * The file name without its extension.
     * @param path the file.
     * @return the stem.
     */
    public static String fileStem(Path path) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl >= 0 ? m.substring(0, nl) : m).toLowerCase(Locale.ROOT).startsWith("protocol message")
                ? "not a protobuf file" : (nl >= 0 ? m.substring(0, nl) : m);
    }
}
