package dev.iae.tribuo;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import dev.iae.onnx.FloatTensor;
import dev.iae.onnx.IaeArchitecture;
import dev.iae.onnx.IaeNetworkDescription;
import dev.iae.onnx.Normalization;
import dev.iae.onnx.ScoreKind;
import dev.iae.onnx.TensorNames;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.provenance.impl.TimestampedTrainerProvenance;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Test fixtures for {@link IaeModel}: seeded random IAE-LSTM-KL network descriptions (no training, so the tests
 * exercise the serving side alone), real Tribuo datasets and provenances.
 */
final class IaeModelFixtures {

    private IaeModelFixtures() { }

    /** Feature names f0..f{d-1} (their sorted order is the feature map's id order for d ≤ 10). */
    static String[] names(String prefix, int d) {
        String[] n = new String[d];
        for (int i = 0; i < d; i++) {
            n[i] = prefix + i;
        }
        return n;
    }

    /** A Tribuo dataset of n Gaussian examples over the given feature names (all EXPECTED). */
    static MutableDataset<Event> dataset(String[] names, int n, long seed) {
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> ds = new MutableDataset<>(new SimpleDataSourceProvenance("iae-model-test", factory), factory);
        for (Example<Event> e : examples(names, n, seed)) {
            ds.add(e);
        }
        return ds;
    }

    /** n examples with Gaussian values (mean 0.5, sd 1) over all the given names. */
    static List<Example<Event>> examples(String[] names, int n, long seed) {
        Random rng = new Random(seed);
        List<Example<Event>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double[] v = new double[names.length];
            for (int j = 0; j < v.length; j++) {
                v[j] = 0.5 + rng.nextGaussian();
            }
            out.add(new ArrayExample<>(new Event(Event.EventType.EXPECTED), names, v));
        }
        return out;
    }

    /** A model provenance over the dataset with a run-specific entry. */
    static ModelProvenance provenance(MutableDataset<Event> ds, String runTag) {
        Map<String, Provenance> instance = new HashMap<>();
        instance.put("test-run", new StringProvenance("test-run", runTag));
        return new ModelProvenance(IaeModel.class.getName(), OffsetDateTime.now(), ds.getProvenance(),
                new TimestampedTrainerProvenance(), instance);
    }

    /**
     * A tabular network: D inputs, MLP 8/4, optional LSTM 8, latent 4, optional decoder, hypersphere.
     */
    static IaeNetworkDescription tabular(List<String> featureNames, long seed, boolean lstm, boolean decoder,
                                         ScoreKind scoreKind, double threshold) {
        int d = featureNames.size();
        IaeArchitecture a = IaeArchitecture.builder().inputDim(d).encoderSizes(8, 4).lstmHidden(lstm ? 8 : 0)
                .repDim(4).decoder(decoder).svdd(true).normalization(Normalization.MIN_MAX).scoreKind(scoreKind)
                .build();
        Random rng = new Random(seed);
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        put(t, TensorNames.NORM_OFFSET, uniform(rng, d, -0.5f, 0.5f), d);
        put(t, TensorNames.NORM_SCALE, uniform(rng, d, 0.5f, 1.5f), d);
        int[] enc = a.encoderSizes();
        int in = d;
        for (int i = 0; i < enc.length; i++) {
            put(t, TensorNames.encoderWeight(i), gaussian(rng, enc[i] * in, 1.0 / Math.sqrt(in)), enc[i], in);
            in = enc[i];
        }
        addLatentPart(t, a, rng);
        if (decoder) {
            int k = enc.length;
            int[] sizes = new int[k + 2];
            sizes[0] = a.repDim();
            for (int j = 1; j <= k; j++) {
                sizes[j] = enc[k - j];
            }
            sizes[k + 1] = d;
            for (int j = 0; j <= k; j++) {
                put(t, TensorNames.decoderWeight(j), gaussian(rng, sizes[j + 1] * sizes[j], 1.0 / Math.sqrt(sizes[j])),
                        sizes[j + 1], sizes[j]);
                put(t, TensorNames.decoderBias(j), gaussian(rng, sizes[j + 1], 0.1), sizes[j + 1]);
            }
        }
        if (scoreKind == ScoreKind.COMBINED) {
            put(t, TensorNames.SCORE_STATS, new float[]{1f, 0.5f, 2f, 1f}, 4);
        }
        return new IaeNetworkDescription(a, t, featureNames, threshold, Map.of());
    }

    /** An image network: 1×8×8, conv channels 2/2, LSTM 8, latent 4, decoder, hypersphere. */
    static IaeNetworkDescription image(List<String> featureNames, long seed, double threshold) {
        int d = featureNames.size();
        IaeArchitecture a = IaeArchitecture.builder().inputDim(d).imageShape(new int[]{1, 8, 8}).encoderSizes(2, 2)
                .lstmHidden(8).repDim(4).decoder(true).svdd(true).normalization(Normalization.GCN_L1_MIN_MAX)
                .scoreKind(ScoreKind.SVDD).build();
        Random rng = new Random(seed);
        Map<String, FloatTensor> t = new LinkedHashMap<>();
        float off = (float) rng.nextGaussian() * 0.1f;
        float scale = 0.5f + rng.nextFloat();
        float[] offs = new float[d];
        float[] scales = new float[d];
        java.util.Arrays.fill(offs, off);
        java.util.Arrays.fill(scales, scale);
        put(t, TensorNames.NORM_OFFSET, offs, d);
        put(t, TensorNames.NORM_SCALE, scales, d);
        int[] ch = a.encoderSizes();
        int in = 1;
        for (int i = 0; i < ch.length; i++) {
            put(t, TensorNames.encoderWeight(i), gaussian(rng, ch[i] * in * 25, 1.0 / Math.sqrt(in * 25.0)), ch[i], in, 5, 5);
            put(t, TensorNames.encoderBnMean(i), gaussian(rng, ch[i], 0.1), ch[i]);
            put(t, TensorNames.encoderBnVar(i), uniform(rng, ch[i], 0.5f, 1.5f), ch[i]);
            in = ch[i];
        }
        addLatentPart(t, a, rng);
        int r = a.repDim();
        put(t, TensorNames.DECODER_BN_MEAN, gaussian(rng, r, 0.1), r);
        put(t, TensorNames.DECODER_BN_VAR, uniform(rng, r, 0.5f, 1.5f), r);
        int cin = a.decoderSeedChannels();
        for (int j = 0; j < ch.length; j++) {
            int cout = ch[ch.length - 1 - j];
            put(t, TensorNames.decoderWeight(j), gaussian(rng, cout * cin * 25, 1.0 / Math.sqrt(cin * 25.0)), cout, cin, 5, 5);
            put(t, TensorNames.decoderBnMean(j), gaussian(rng, cout, 0.1), cout);
            put(t, TensorNames.decoderBnVar(j), uniform(rng, cout, 0.5f, 1.5f), cout);
            cin = cout;
        }
        put(t, TensorNames.DECODER_OUT_WEIGHT, gaussian(rng, cin * 25, 1.0 / Math.sqrt(cin * 25.0)), 1, cin, 5, 5);
        return new IaeNetworkDescription(a, t, featureNames, threshold, Map.of());
    }

    private static void addLatentPart(Map<String, FloatTensor> t, IaeArchitecture a, Random rng) {
        int f = a.encoderOutputSize();
        if (a.hasLstm()) {
            int h = a.lstmHidden();
            put(t, TensorNames.LSTM_W, gaussian(rng, 4 * h * f, 1.0 / Math.sqrt(f)), 4 * h, f);
            put(t, TensorNames.LSTM_R, gaussian(rng, 4 * h * h, 1.0 / Math.sqrt(h)), 4 * h, h);
            put(t, TensorNames.LSTM_WB, gaussian(rng, 4 * h, 0.1), 4 * h);
            put(t, TensorNames.LSTM_RB, gaussian(rng, 4 * h, 0.1), 4 * h);
        }
        int r = a.repDim();
        int li = a.latentInputSize();
        put(t, TensorNames.LATENT_WEIGHT, gaussian(rng, r * li, 1.0 / Math.sqrt(li)), r, li);
        float[] c = gaussian(rng, r, 0.5);
        put(t, TensorNames.CENTRE, c, r);
    }

    private static void put(Map<String, FloatTensor> t, String name, float[] data, int... shape) {
        t.put(name, FloatTensor.of(data, shape));
    }

    private static float[] gaussian(Random rng, int n, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextGaussian() * sd);
        }
        return v;
    }

    private static float[] uniform(Random rng, int n, float lo, float hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * rng.nextFloat();
        }
        return v;
    }
}
