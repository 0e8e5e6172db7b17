package dev.iae.tribuo;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.iae.onnx.ScoreKind;
import dev.iae.tribuo.protos.IaeModelProto;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;
import org.tribuo.protos.core.ModelProto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files from elsewhere: mutated Tribuo protobuf model files and ONNX files raise documented exceptions only.
 * <p>
 * {@link #mutatedFilesRaiseOnlyDocumentedExceptions()} runs {@link MutationCampaignMain} in a child JVM (a native
 * crash fails the test instead of killing the suite): by default 1,500 seeded cases (about 5 s). The long run is
 * the same test with more cases:
 * <pre>
 * mvn -B -o -pl tribuo-iae test -Dtest=FuzzTest#mutatedFilesRaiseOnlyDocumentedExceptions -Diae.fuzz.cases=50000 -Diae.fuzz.seed=7
 * </pre>
 * The table {@link #hostileSettings} covers well-formed files with hostile values (the things a bit flip rarely
 * reaches): huge chunk sizes and thread counts, unknown providers, wrong hashes, other classes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class FuzzTest {

    /** Cases of the in-suite campaign unless {@code -Diae.fuzz.cases} says otherwise. */
    static final int DEFAULT_CASES = 1500;

    private IaeModel model;
    private ModelProto proto;
    private IaeModelProto data;

    @BeforeAll
    public void setUp() throws Exception {
        String[] names = IaeModelFixtures.names("f", 6);
        MutableDataset<Event> ds = IaeModelFixtures.dataset(names, 20, 1L);
        model = IaeModel.create("fuzz", IaeModelFixtures.provenance(ds, "fuzz"), ds.getFeatureIDMap(),
                ds.getOutputIDInfo(), IaeModelFixtures.tabular(DenseFeatures.featureNames(ds.getFeatureIDMap()), 42L,
                        true, true, ScoreKind.SVDD, 1.0), ExecutionProvider.CPU);
        proto = model.serialize();
        data = proto.getSerializedData().unpack(IaeModelProto.class);
    }

    @AfterAll
    public void tearDown() {
        model.close();
    }

    @Test
    public void mutatedFilesRaiseOnlyDocumentedExceptions() {
        int cases = Integer.getInteger("iae.fuzz.cases", DEFAULT_CASES);
        long seed = Long.getLong("iae.fuzz.seed", 20260601L);
        Duration timeout = Duration.ofSeconds(120 + cases / 20);
        ReliabilityFixtures.ChildResult r = ReliabilityFixtures.runChild(MutationCampaignMain.class,
                List.of("-Xmx1g", "-Xss1m", "-XX:-OmitStackTraceInFastThrow"), Map.of(), timeout,
                Integer.toString(cases), Long.toString(seed));
        List<String> lastCase = r.reports("CASE");
        assertEquals(0, r.exitCode, () -> "the fuzzing JVM died (native crash?) at "
                + (lastCase.isEmpty() ? "start-up" : "case " + lastCase.get(lastCase.size() - 1)) + "\n"
                + r.describe().replaceAll("(?m)^@@CASE.*\n", ""));
        List<String> bad = r.reports("UNDOCUMENTED");
        assertTrue(bad.isEmpty(), () -> bad.size() + " undocumented outcomes:\n" + String.join("\n", bad));
        assertEquals("0", r.report("UNDOCUMENTED_COUNT"));

        Map<String, Integer> totals = new HashMap<>();
        for (String t : r.reports("TOTAL")) {
            String[] kv = t.split(" ");
            totals.put(kv[0], Integer.parseInt(kv[1]));
        }
        assertEquals(cases, totals.values().stream().mapToInt(Integer::intValue).sum());
        List<String> outcomes = r.reports("OUTCOME");
        // The campaign is only worth something if mutants were both refused and loaded, and some reached ONNX
        // Runtime with a changed graph (scores changed or inference refused).
        for (String target : List.of("PROTO", "PROTO_REHASHED", "ONNX")) {
            assertTrue(outcomes.stream().anyMatch(o -> o.startsWith(target + " ") && o.contains("refused")),
                    target + " never refused: " + outcomes);
            assertTrue(outcomes.stream().anyMatch(o -> o.startsWith(target + " loaded:")),
                    target + " never loaded: " + outcomes);
        }
        if (cases >= 1000) {
            assertTrue(outcomes.stream().anyMatch(o -> o.startsWith("ONNX loaded:scores-changed")
                    || o.startsWith("ONNX loaded:prediction-refused")), outcomes::toString);
        }
        System.out.println("Fuzz campaign: " + cases + " cases (seed " + seed + ") in " + r.report("SECONDS") + " s");
        outcomes.forEach(o -> System.out.println("  " + o));
    }

    // ------------------------------------------------------------------------------------------ hostile settings

    private static ModelProto repack(ModelProto proto, IaeModelProto d) {
        return proto.toBuilder().setSerializedData(Any.pack(d)).build();
    }

    private static ByteString sha(byte[] b) throws Exception {
        return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static Stream<Arguments> hostileSettings() throws Exception {
        byte[] empty = new byte[0];
        ByteString emptySha = sha(empty);
        return Stream.of(
                hostile("chunk_size = Integer.MAX_VALUE", d -> d.toBuilder().setChunkSize(Integer.MAX_VALUE).build(), "chunkSize"),
                hostile("chunk_size = 0", d -> d.toBuilder().setChunkSize(0).build(), "chunkSize"),
                hostile("chunk_size = -5", d -> d.toBuilder().setChunkSize(-5).build(), "chunkSize"),
                hostile("intra_op_threads = 1,000,000", d -> d.toBuilder().setIntraOpThreads(1_000_000).build(), "intraOpThreads"),
                hostile("intra_op_threads = -1", d -> d.toBuilder().setIntraOpThreads(-1).build(), "intraOpThreads"),
                hostile("unknown execution provider", d -> d.toBuilder().setExecutionProvider("TPU; rm -rf /").build(),
                        "execution provider"),
                hostile("threshold differs from the ONNX metadata", d -> d.toBuilder().setThreshold(1e9).build(), "threshold"),
                hostile("threshold NaN", d -> d.toBuilder().setThreshold(Double.NaN).build(), "threshold"),
                hostile("SHA-256 of the wrong length", d -> d.toBuilder().setOnnxSha256(ByteString.copyFrom(new byte[5])).build(),
                        "SHA-256"),
                hostile("SHA-256 of other bytes", d -> d.toBuilder().setOnnxSha256(emptySha).build(), "SHA-256"),
                hostile("empty ONNX bytes with their own hash", d -> d.toBuilder().setOnnxModel(ByteString.EMPTY)
                        .setOnnxSha256(emptySha).build(), "Not an ONNX model"),
                hostile("metadata bytes missing", d -> d.toBuilder().setMetadata(ByteString.EMPTY).build(), "metadata"));
    }

    private static Arguments hostile(String name, UnaryOperator<IaeModelProto> change, String message) {
        return Arguments.of(Named.of(name, change), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileSettings")
    public void hostileSettingsAreRefused(UnaryOperator<IaeModelProto> change, String message) throws Exception {
        ModelProto bad = repack(proto, change.apply(data));
        // Strict loader: IllegalArgumentException naming the problem.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IaeModel.fromProtobuf(bad));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        // Tribuo's generic loader: the same exception inside its IllegalStateException.
        IllegalStateException g = assertThrows(IllegalStateException.class,
                () -> Model.deserialize(ModelProto.parseFrom(bad.toByteArray())));
        Throwable inner = g.getCause() == null ? null : g.getCause().getCause();
        assertTrue(inner instanceof IllegalArgumentException, String.valueOf(inner));
        assertTrue(inner.getMessage().contains(message), inner.getMessage());
    }

    @Test
    public void strictLoaderRefusesOtherClassesBeforeLoadingThem(@TempDir Path dir) throws Exception {
        // A file naming another class: Tribuo's generic loader would load (and initialise) it; the strict loader
        // refuses by name.
        ModelProto other = proto.toBuilder().setClassName("com.example.Payload").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IaeModel.fromProtobuf(other));
        assertTrue(e.getMessage().contains("com.example.Payload"), e.getMessage());
        ModelProto string = proto.toBuilder().setClassName("java.lang.String").build();
        assertThrows(IllegalArgumentException.class, () -> IaeModel.fromProtobuf(string));
        IllegalStateException g = assertThrows(IllegalStateException.class, () -> Model.deserialize(string));
        assertTrue(g.getMessage().contains("ProtoSerializable"), g.getMessage());

        // Round trip through a file with the strict loader keeps the scores.
        Path file = dir.resolve("model.tribuo");
        model.serializeToFile(file);
        List<org.tribuo.Example<Event>> test = IaeModelFixtures.examples(IaeModelFixtures.names("f", 6), 20, 3L);
        try (IaeModel loaded = IaeModel.loadProtobuf(file)) {
            assertArrayEquals(ReliabilityFixtures.scores(model.predict(test)),
                    ReliabilityFixtures.scores(loaded.predict(test)));
        }
        // A truncated file: InvalidProtocolBufferException (an IOException).
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        assertThrows(com.google.protobuf.InvalidProtocolBufferException.class, () -> IaeModel.loadProtobuf(file));
        // A missing file: NoSuchFileException (an IOException).
        assertThrows(java.nio.file.NoSuchFileException.class, () -> IaeModel.loadProtobuf(dir.resolve("missing")));
    }
}
