package dev.iae.tribuo;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.iae.onnx.ScoreKind;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.Event;
import org.tribuo.protos.core.ModelProto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The file-fuzzing campaign of {@link FuzzTest}, run in a child JVM so that a native crash (ONNX Runtime parsing a
 * hostile graph) fails the test instead of killing the test JVM. Mutates the files a user may receive — a Tribuo
 * protobuf model file, an ONNX file, and (for comparison only) a Java-serialized model — and loads each mutant
 * through the public loading API, then predicts with whatever loads.
 * <p>
 * Targets (round-robin): {@code PROTO} (mutated Tribuo protobuf bytes → Tribuo's generic
 * {@link Model#deserializeFromStream} or, at random, the strict {@link IaeModel#fromProtobuf});
 * {@code PROTO_REHASHED} (the ONNX bytes inside the protobuf mutated <em>and</em> their SHA-256 recomputed, as an
 * attacker would, so the graph reaches ONNX Runtime); {@code ONNX} (mutated ONNX bytes →
 * {@link IaeModel#fromOnnx}); {@code RANDOM} (random bytes to both loaders); {@code JAVA} (mutated Java
 * serialization, reported but not judged: it is the reason to prefer protobuf). Tabular and image models alternate.
 * <p>
 * Documented outcomes (anything else is reported as {@code @@UNDOCUMENTED}):
 * <ul>
 *     <li>protobuf: {@link InvalidProtocolBufferException} from parsing, or {@link IllegalStateException} from
 *     {@link Model#deserialize} whose underlying exception is an {@link IllegalArgumentException},
 *     {@link InvalidProtocolBufferException}, {@link ClassNotFoundException} or {@link NoSuchMethodException};
 *     a model that loads is an {@link IaeModel} with the original SHA-256 and the original scores; the strict
 *     loader {@link IaeModel#fromProtobuf}: {@link InvalidProtocolBufferException} or
 *     {@link IllegalArgumentException} only;</li>
 *     <li>ONNX: {@link IllegalArgumentException};</li>
 *     <li>prediction with a mutated graph that loaded: finite scores, or {@link IllegalArgumentException} ("not
 *     finite") or {@link IllegalStateException} ("ONNX Runtime failed to run").</li>
 * </ul>
 * Usage: {@code MutationCampaignMain <cases> <seed>}. Prints {@code @@CASE i target operator} before each case,
 * {@code @@OUTCOME target outcome count} and {@code @@TOTAL target count} at the end.
 */
public final class MutationCampaignMain {

    private static final String[] TARGETS = {"PROTO", "PROTO_REHASHED", "ONNX", "RANDOM", "JAVA"};
    private static final Set<Class<?>> DESERIALIZER_EXCEPTIONS = Set.of(IllegalArgumentException.class,
            InvalidProtocolBufferException.class, ClassNotFoundException.class, NoSuchMethodException.class);

    private final Random rng;
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private final Map<String, Integer> totals = new TreeMap<>();
    private int undocumented = 0;

    private MutationCampaignMain(long seed) {
        this.rng = new Random(seed);
    }

    /** One base model with its files and reference scores. */
    private static final class Base {
        final IaeModel model;
        final byte[] proto;
        final byte[] onnx;
        final byte[] java;
        final List<Example<Event>> test;
        final double[] scores;

        Base(IaeModel model, List<Example<Event>> test) throws IOException {
            this.model = model;
            this.proto = model.serialize().toByteArray();
            this.onnx = model.onnxBytes();
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
                oos.writeObject(model);
            }
            this.java = bos.toByteArray();
            this.test = test;
            this.scores = ReliabilityFixtures.scores(model.predict(test));
        }
    }

    private static Base tabular() throws IOException {
        String[] names = IaeModelFixtures.names("f", 6);
        MutableDataset<Event> ds = IaeModelFixtures.dataset(names, 20, 1L);
        IaeModel m = IaeModel.create("fuzz-tabular", IaeModelFixtures.provenance(ds, "fuzz"), ds.getFeatureIDMap(),
                ds.getOutputIDInfo(), IaeModelFixtures.tabular(DenseFeatures.featureNames(ds.getFeatureIDMap()), 42L,
                        true, true, ScoreKind.COMBINED, 1.0), ExecutionProvider.CPU);
        return new Base(m, IaeModelFixtures.examples(names, 8, 2L));
    }

    private static Base image() throws IOException {
        String[] names = new String[64];
        for (int i = 0; i < 64; i++) {
            names[i] = String.format(Locale.ROOT, "px%02d", i);
        }
        MutableDataset<Event> ds = IaeModelFixtures.dataset(names, 20, 1L);
        IaeModel m = IaeModel.create("fuzz-image", IaeModelFixtures.provenance(ds, "fuzz"), ds.getFeatureIDMap(),
                ds.getOutputIDInfo(), IaeModelFixtures.image(DenseFeatures.featureNames(ds.getFeatureIDMap()), 5L, 1.0),
                ExecutionProvider.CPU);
        return new Base(m, IaeModelFixtures.examples(names, 8, 2L));
    }

    // ------------------------------------------------------------------------------------------------ mutations

    private static final String[] OPERATORS = {"truncate", "bitflip", "overwrite", "fill", "insert", "delete",
            "splice", "varint"};

    /** A position, biased to the head and tail (structure and metadata) half of the time. */
    private int position(int length) {
        if (length == 0) {
            return 0;
        }
        double u = rng.nextDouble();
        if (u < 0.25) {
            return rng.nextInt(Math.max(1, Math.min(length, 2048)));
        } else if (u < 0.5) {
            return length - 1 - rng.nextInt(Math.max(1, Math.min(length, 2048)));
        }
        return rng.nextInt(length);
    }

    private byte[] mutate(byte[] in, String op) {
        byte[] b = in.clone();
        int n = b.length;
        switch (op) {
            case "truncate":
                return Arrays.copyOf(b, n == 0 ? 0 : rng.nextInt(n));
            case "bitflip": {
                int flips = 1 + rng.nextInt(8);
                for (int i = 0; i < flips && n > 0; i++) {
                    b[position(n)] ^= (byte) (1 << rng.nextInt(8));
                }
                return b;
            }
            case "overwrite": {
                int k = 1 + rng.nextInt(16);
                for (int i = 0; i < k && n > 0; i++) {
                    b[position(n)] = (byte) rng.nextInt(256);
                }
                return b;
            }
            case "fill": {
                if (n == 0) {
                    return b;
                }
                int at = position(n);
                int len = Math.min(n - at, 1 + rng.nextInt(64));
                Arrays.fill(b, at, at + len, rng.nextBoolean() ? (byte) 0 : (byte) 0xFF);
                return b;
            }
            case "insert": {
                int at = position(n + 1);
                byte[] extra = new byte[1 + rng.nextInt(32)];
                rng.nextBytes(extra);
                byte[] out = new byte[n + extra.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, extra.length);
                System.arraycopy(b, at, out, at + extra.length, n - at);
                return out;
            }
            case "delete": {
                if (n == 0) {
                    return b;
                }
                int at = position(n);
                int len = Math.min(n - at, 1 + rng.nextInt(64));
                byte[] out = new byte[n - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, n - at - len);
                return out;
            }
            case "splice": {
                if (n < 2) {
                    return b;
                }
                int from = rng.nextInt(n);
                int to = position(n);
                int len = Math.min(Math.min(n - from, n - to), 1 + rng.nextInt(128));
                System.arraycopy(in, from, b, to, len);
                return b;
            }
            case "varint": {
                // Huge length prefixes / field values: 0xFF continuation bytes ending in a large value.
                if (n == 0) {
                    return b;
                }
                int at = position(n);
                int len = Math.min(n - at, 1 + rng.nextInt(9));
                for (int i = 0; i < len - 1; i++) {
                    b[at + i] = (byte) 0xFF;
                }
                b[at + len - 1] = (byte) (0x01 + rng.nextInt(0x7F));
                return b;
            }
            default:
                throw new IllegalArgumentException(op);
        }
    }

    // ------------------------------------------------------------------------------------------------- loading

    private void record(String target, String outcome) {
        outcomes.merge(target + " " + outcome, 1, Integer::sum);
    }

    private void undocumented(String target, int caseNo, String op, Throwable t) {
        undocumented++;
        StringBuilder chain = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            chain.append(chain.length() == 0 ? "" : " <- ").append(c.getClass().getName()).append(": ")
                    .append(c.getMessage());
        }
        System.out.println(ReliabilityFixtures.REPORT + "UNDOCUMENTED " + target + " case " + caseNo + " (" + op
                + "): " + chain.toString().replace('\n', ' '));
        System.err.println("Undocumented outcome, " + target + " case " + caseNo + " (" + op + "):");
        t.printStackTrace();
        record(target, "UNDOCUMENTED:" + t.getClass().getSimpleName());
    }

    /** The exception thrown inside Tribuo's reflective deserialization, below ProtoUtil's wrapper. */
    private static Throwable deserializerException(IllegalStateException e) {
        Throwable c = e.getCause();
        if (c instanceof InvocationTargetException) {
            c = c.getCause();
        }
        return c;
    }

    private void loadProto(String target, int caseNo, String op, byte[] bytes, Base base) {
        if (rng.nextBoolean()) {
            loadProtoStrict(target, caseNo, op, bytes, base);
            return;
        }
        IaeModel loaded;
        try {
            Model<?> m = Model.deserializeFromStream(new ByteArrayInputStream(bytes));
            if (!(m instanceof IaeModel)) {
                undocumented(target, caseNo, op, new AssertionError("loaded a " + m.getClass().getName()));
                return;
            }
            loaded = (IaeModel) m;
        } catch (InvalidProtocolBufferException e) {
            record(target, "refused:InvalidProtocolBufferException");
            return;
        } catch (IOException e) {
            undocumented(target, caseNo, op, e);
            return;
        } catch (IllegalStateException e) {
            Throwable inner = deserializerException(e);
            if (inner == null) {
                record(target, "refused:IllegalStateException");
            } else if (DESERIALIZER_EXCEPTIONS.stream().anyMatch(c -> c.isInstance(inner))) {
                record(target, "refused:IllegalStateException<-" + inner.getClass().getSimpleName());
            } else {
                undocumented(target, caseNo, op, e);
            }
            return;
        } catch (Throwable t) {
            undocumented(target, caseNo, op, t);
            return;
        }
        try (IaeModel m = loaded) {
            if (target.equals("PROTO") && !m.sha256Hex().equals(base.model.sha256Hex())) {
                undocumented(target, caseNo, op, new AssertionError("loaded with a different ONNX hash"));
                return;
            }
            predict(target, caseNo, op, m, base, target.equals("PROTO"));
        }
    }

    /** {@link IaeModel#fromProtobuf}: only IOException (InvalidProtocolBufferException) or IllegalArgumentException. */
    private void loadProtoStrict(String target, int caseNo, String op, byte[] bytes, Base base) {
        IaeModel loaded;
        try {
            loaded = IaeModel.fromProtobuf(ModelProto.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            record(target, "strict-refused:InvalidProtocolBufferException");
            return;
        } catch (IllegalArgumentException e) {
            record(target, "strict-refused:IllegalArgumentException");
            return;
        } catch (Throwable t) {
            undocumented(target, caseNo, op, t);
            return;
        }
        try (IaeModel m = loaded) {
            if (target.equals("PROTO") && !m.sha256Hex().equals(base.model.sha256Hex())) {
                undocumented(target, caseNo, op, new AssertionError("loaded with a different ONNX hash"));
                return;
            }
            predict(target, caseNo, op, m, base, target.equals("PROTO"));
        }
    }

    private void loadOnnx(String target, int caseNo, String op, byte[] bytes, Base base) {
        IaeModel loaded;
        try {
            loaded = IaeModel.fromOnnx("fuzz", base.model.getProvenance(), base.model.getFeatureIDMap(),
                    base.model.getOutputIDInfo(), bytes, ExecutionProvider.CPU);
        } catch (IllegalArgumentException e) {
            record(target, "refused:IllegalArgumentException");
            return;
        } catch (Throwable t) {
            undocumented(target, caseNo, op, t);
            return;
        }
        try (IaeModel m = loaded) {
            predict(target, caseNo, op, m, base, false);
        }
    }

    private void predict(String target, int caseNo, String op, IaeModel m, Base base, boolean sameScores) {
        try {
            double[] s = ReliabilityFixtures.scores(m.predict(base.test));
            for (int i = 0; i < s.length; i++) {
                if (!Double.isFinite(s[i])) {
                    undocumented(target, caseNo, op, new AssertionError("non-finite score " + s[i]));
                    return;
                }
                if (sameScores && Math.abs(s[i] - base.scores[i]) > 1e-5 * Math.max(1, Math.abs(base.scores[i]))) {
                    undocumented(target, caseNo, op, new AssertionError("score " + i + " changed from "
                            + base.scores[i] + " to " + s[i] + " although the ONNX hash matches"));
                    return;
                }
            }
            boolean same = Arrays.equals(s, base.scores);
            record(target, "loaded:" + (same ? "same-scores" : "scores-changed"));
        } catch (IllegalArgumentException e) {
            if (!String.valueOf(e.getMessage()).contains("not finite")) {
                undocumented(target, caseNo, op, e);
                return;
            }
            record(target, "loaded:prediction-refused-not-finite");
        } catch (IllegalStateException e) {
            if (!String.valueOf(e.getMessage()).contains("ONNX Runtime failed to run")) {
                undocumented(target, caseNo, op, e);
                return;
            }
            record(target, "loaded:prediction-refused-ort-error");
        } catch (Throwable t) {
            undocumented(target, caseNo, op, t);
        }
    }

    private void loadJava(int caseNo, String op, byte[] bytes) {
        // Reported, not judged: Java deserialization of untrusted bytes runs readObject code of any class named.
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            Object o = in.readObject();
            if (o instanceof IaeModel) {
                ((IaeModel) o).close();
                record("JAVA", "loaded:IaeModel");
            } else {
                record("JAVA", "loaded:" + (o == null ? "null" : o.getClass().getSimpleName()));
            }
        } catch (IOException | ClassNotFoundException e) {
            record("JAVA", "refused:" + e.getClass().getSimpleName());
        } catch (Throwable t) {
            record("JAVA", "other:" + t.getClass().getSimpleName());
        }
    }

    private static byte[] rehashedProto(Base base, byte[] mutatedOnnx) throws Exception {
        ModelProto proto = ModelProto.parseFrom(base.proto);
        dev.iae.tribuo.protos.IaeModelProto data = proto.getSerializedData()
                .unpack(dev.iae.tribuo.protos.IaeModelProto.class);
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(mutatedOnnx);
        data = data.toBuilder().setOnnxModel(ByteString.copyFrom(mutatedOnnx)).setOnnxSha256(ByteString.copyFrom(hash))
                .build();
        return proto.toBuilder().setSerializedData(Any.pack(data)).build().toByteArray();
    }

    private void run(int cases, Base[] bases) throws Exception {
        for (int i = 0; i < cases; i++) {
            String target = TARGETS[i % TARGETS.length];
            Base base = bases[(i / TARGETS.length) % bases.length];
            String op = OPERATORS[rng.nextInt(OPERATORS.length)];
            System.out.println(ReliabilityFixtures.REPORT + "CASE " + i + " " + target + " " + op + " "
                    + base.model.getName());
            totals.merge(target, 1, Integer::sum);
            switch (target) {
                case "PROTO":
                    loadProto(target, i, op, mutate(base.proto, op), base);
                    break;
                case "PROTO_REHASHED":
                    loadProto(target, i, op, rehashedProto(base, mutate(base.onnx, op)), base);
                    break;
                case "ONNX":
                    loadOnnx(target, i, op, mutate(base.onnx, op), base);
                    break;
                case "RANDOM": {
                    byte[] r = new byte[rng.nextInt(4097)];
                    rng.nextBytes(r);
                    if (rng.nextBoolean()) {
                        loadProto(target, i, "random", r, base);
                    } else {
                        loadOnnx(target, i, "random", r, base);
                    }
                    break;
                }
                default:
                    loadJava(i, op, mutate(base.java, op));
                    break;
            }
        }
    }

    /**
     * @param args number of cases (default 400) and seed (default 1).
     * @throws Exception if the campaign itself cannot run.
     */
    public static void main(String[] args) throws Exception {
        int cases = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1L;
        Base[] bases = {tabular(), image()};
        MutationCampaignMain campaign = new MutationCampaignMain(seed);
        long start = System.nanoTime();
        campaign.run(cases, bases);
        for (Base b : bases) {
            b.model.close();
        }
        for (Map.Entry<String, Integer> e : campaign.outcomes.entrySet()) {
            System.out.println(ReliabilityFixtures.REPORT + "OUTCOME " + e.getKey() + " " + e.getValue());
        }
        for (Map.Entry<String, Integer> e : campaign.totals.entrySet()) {
            System.out.println(ReliabilityFixtures.REPORT + "TOTAL " + e.getKey() + " " + e.getValue());
        }
        System.out.println(ReliabilityFixtures.REPORT + "UNDOCUMENTED_COUNT " + campaign.undocumented);
        System.out.println(ReliabilityFixtures.REPORT + String.format(Locale.ROOT, "SECONDS %.1f",
                (System.nanoTime() - start) / 1e9));
        System.out.println(ReliabilityFixtures.REPORT + "DONE");
        System.out.flush();
        System.exit(0);
    }
}
