package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes one self-contained ONNX model whose score is the sum of the scores of several IAE-LSTM-KL models that
 * read the same features: e.g. two networks trained on two views of the pre-processing, whose mistakes differ
 * (on CIFAR-10 the sum of a GCN and a global-range model beats either; {@code benchmarks/README.md} step 17).
 * <p>
 * The merged graph keeps the deployment contract ({@link OnnxContract}): input {@link OnnxContract#INPUT_FEATURES}
 * [N, D], output {@link OnnxContract#OUTPUT_SCORE} [N] (the row sum, float32), plus
 * {@link OnnxContract#OUTPUT_MEMBER_SCORES} [N, M] (each member's own score), and metadata with the feature
 * names, input shape, the given threshold, score kind {@link ScoreKind#SUM}, the member count
 * ({@link OnnxContract#META_MEMBER_COUNT}) and every member's own metadata under
 * {@link OnnxContract#META_MEMBER_PREFIX}{@code <i>.}. Of each member only the nodes its score needs are kept
 * ({@link ScoreGraphPruner}); their tensor and node names get the prefix {@code m<i>/}, so members never collide.
 * Any ONNX Runtime runs the result with nothing but the file, and {@code IaeModel} serves it like any other model.
 * <p>
 * Members must be IAE-LSTM-KL graphs of the same contract version, feature names, input declaration and opset
 * imports, without sub-graphs or model-local functions (the project's writer never emits them); anything else is
 * refused with an exception naming the member and the difference.
 */
public final class OnnxScoreSum {
    /** Name of the merged graph. */
    public static final String GRAPH_NAME = "iae_score_sum";
    /** The oldest default-domain opset a member may import (the added Unsqueeze takes its axes as an input). */
    public static final long MIN_OPSET = 13;

    private OnnxScoreSum() { }

    /**
     * The metadata key under which a score sum keeps member {@code i}'s own entry {@code key}.
     * @param i the member index.
     * @param key the member's metadata key.
     * @return {@code iae.member.<i>.<key>}.
     */
    public static String memberKey(int i, String key) {
        return OnnxContract.META_MEMBER_PREFIX + i + "." + key;
    }

    /**
     * Writes the sum with the default domain and model version 1.
     * @param members the member models (at least two).
     * @param threshold the decision threshold on the summed score (not NaN).
     * @param metadata extra metadata (e.g. the Tribuo provenance); must not use a key the writer sets.
     * @return the merged model.
     * @throws IllegalArgumentException if a member is not a mergeable IAE-LSTM-KL graph or differs from member 0
     *     in what the members must share (message names the member and the difference).
     */
    public static OnnxMl.ModelProto write(List<OnnxMl.ModelProto> members, double threshold,
                                          Map<String, String> metadata) {
        return write(members, threshold, metadata, IaeOnnxWriter.DEFAULT_DOMAIN, IaeOnnxWriter.DEFAULT_MODEL_VERSION);
    }

    /**
     * Writes the sum.
     * @param members the member models (at least two).
     * @param threshold the decision threshold on the summed score (not NaN).
     * @param metadata extra metadata (e.g. the Tribuo provenance); must not use a key the writer sets.
     * @param domain the model domain (reverse-DNS style).
     * @param modelVersion the model version.
     * @return the merged model.
     * @throws IllegalArgumentException see {@link #write(List, double, Map)}.
     */
    public static OnnxMl.ModelProto write(List<OnnxMl.ModelProto> members, double threshold,
                                          Map<String, String> metadata, String domain, long modelVersion) {
        Objects.requireNonNull(members, "members");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(domain, "domain");
        if (members.size() < 2) {
            throw new IllegalArgumentException("A score sum needs at least two member models, found " + members.size());
        }
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold must not be NaN");
        }
        List<Map<String, String>> metas = new ArrayList<>(members.size());
        OnnxMl.ModelProto first = Objects.requireNonNull(members.get(0), "member 0");
        for (int i = 0; i < members.size(); i++) {
            OnnxMl.ModelProto m = Objects.requireNonNull(members.get(i), "member " + i);
            metas.add(checkMember(i, m, first));
        }

        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName(GRAPH_NAME);
        g.addInput(input(first));
        List<String> memberScores = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++) {
            memberScores.add(addMember(g, i, members.get(i)));
        }
        // score = m0/score + m1/score + ...; member_scores = [m0/score, m1/score, ...] as columns.
        g.addNode(OnnxMl.NodeProto.newBuilder().setName("sum").setOpType("Sum")
                .addAllInput(memberScores).addOutput(OnnxContract.OUTPUT_SCORE));
        String axes = "sum/axes_1";
        g.addInitializer(OnnxMl.TensorProto.newBuilder().setName(axes).addDims(1)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addInt64Data(1));
        List<String> columns = new ArrayList<>(members.size());
        for (int i = 0; i < memberScores.size(); i++) {
            String col = "sum/column_" + i;
            g.addNode(OnnxMl.NodeProto.newBuilder().setName("sum/unsqueeze_" + i).setOpType("Unsqueeze")
                    .addInput(memberScores.get(i)).addInput(axes).addOutput(col));
            columns.add(col);
        }
        g.addNode(OnnxMl.NodeProto.newBuilder().setName("sum/concat").setOpType("Concat").addAllInput(columns)
                .addOutput(OnnxContract.OUTPUT_MEMBER_SCORES)
                .addAttribute(OnnxGraphBuilder.intAttr("axis", 1)));
        OnnxMl.TensorShapeProto.Dimension batch = input(first).getType().getTensorType().getShape().getDim(0);
        g.addOutput(floatOutput(OnnxContract.OUTPUT_SCORE, batch));
        g.addOutput(floatOutput(OnnxContract.OUTPUT_MEMBER_SCORES, batch,
                OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(members.size()).build()));
        String doc = "Sum of the anomaly scores of " + members.size() + " IAE-LSTM-KL models. Input '"
                + OnnxContract.INPUT_FEATURES + "' as each member's; outputs '" + OnnxContract.OUTPUT_SCORE
                + "' float32 [N] (the sum; above metadata '" + OnnxContract.META_THRESHOLD + "' is anomalous) and '"
                + OnnxContract.OUTPUT_MEMBER_SCORES + "' float32 [N, " + members.size()
                + "] (each member's own score). Member i's metadata is under '" + OnnxContract.META_MEMBER_PREFIX
                + "<i>.'.";
        g.setDocString(doc);

        OnnxMl.ModelProto.Builder out = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(first.getIrVersion())
                .addAllOpsetImport(first.getOpsetImportList())
                .setProducerName(OnnxContract.PRODUCER_NAME)
                .setProducerVersion(IaeOnnxWriter.PRODUCER_VERSION)
                .setDomain(domain)
                .setModelVersion(modelVersion)
                .setDocString(doc)
                .setGraph(g);
        Map<String, String> meta = metadata(metas, threshold, metadata);
        for (Map.Entry<String, String> e : meta.entrySet()) {
            out.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return out.build();
    }

    /**
     * Checks that member {@code i} can be merged with member 0: contract version, feature names, input
     * declaration, score output, opsets, no sub-graphs or functions.
     * @return the member's metadata.
     */
    private static Map<String, String> checkMember(int i, OnnxMl.ModelProto m, OnnxMl.ModelProto first) {
        Map<String, String> meta = OnnxMetadata.read(m);
        String who = "Member " + i + " of the score sum";
        String format = meta.get(OnnxContract.META_FORMAT_VERSION);
        if (!OnnxContract.FORMAT_VERSION.equals(format)) {
            throw new IllegalArgumentException(who + " is not an IAE-LSTM-KL model of format version "
                    + OnnxContract.FORMAT_VERSION + " (metadata '" + OnnxContract.META_FORMAT_VERSION + "' is "
                    + (format == null ? "missing" : "'" + format + "'") + ")");
        }
        if (meta.get(OnnxContract.META_FEATURE_NAMES) == null) {
            throw new IllegalArgumentException(who + " has no feature names (metadata '"
                    + OnnxContract.META_FEATURE_NAMES + "')");
        }
        OnnxMl.GraphProto g = m.getGraph();
        if (g.getInputCount() != 1 || !g.getInput(0).getName().equals(OnnxContract.INPUT_FEATURES)) {
            List<String> names = new ArrayList<>();
            g.getInputList().forEach(v -> names.add(v.getName()));
            throw new IllegalArgumentException(who + " must take exactly the input '" + OnnxContract.INPUT_FEATURES
                    + "', found " + names);
        }
        if (g.getInput(0).getType().getTensorType().getShape().getDimCount() != 2) {
            throw new IllegalArgumentException(who + " declares input '" + OnnxContract.INPUT_FEATURES
                    + "' with rank " + g.getInput(0).getType().getTensorType().getShape().getDimCount()
                    + ", expected [N, D]");
        }
        OnnxMl.ValueInfoProto score = g.getOutputList().stream()
                .filter(v -> v.getName().equals(OnnxContract.OUTPUT_SCORE)).findFirst().orElse(null);
        if (score == null) {
            throw new IllegalArgumentException(who + " has no output '" + OnnxContract.OUTPUT_SCORE + "'");
        }
        OnnxMl.TypeProto.Tensor scoreType = score.getType().getTensorType();
        if (scoreType.getElemType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()
                || scoreType.getShape().getDimCount() != 1) {
            throw new IllegalArgumentException(who + " declares output '" + OnnxContract.OUTPUT_SCORE
                    + "' as element type " + scoreType.getElemType() + " with rank " + scoreType.getShape().getDimCount()
                    + ", expected FLOAT [N]");
        }
        long opset = -1;
        for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        if (opset < MIN_OPSET) {
            throw new IllegalArgumentException(who + " imports default-domain opset " + opset + "; a score sum needs "
                    + MIN_OPSET + " or later (Unsqueeze with axes as an input)");
        }
        if (m.getFunctionsCount() > 0) {
            throw new IllegalArgumentException(who + " defines " + m.getFunctionsCount()
                    + " model-local functions, which a score sum does not merge");
        }
        if (g.getSparseInitializerCount() > 0) {
            throw new IllegalArgumentException(who + " has sparse initializers, which a score sum does not merge");
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    throw new IllegalArgumentException(who + " has a sub-graph in node '" + n.getName() + "' ("
                            + n.getOpType() + "), which a score sum does not merge");
                }
            }
        }
        if (m != first) {
            Map<String, String> meta0 = OnnxMetadata.read(first);
            for (String key : new String[]{OnnxContract.META_FEATURE_NAMES, OnnxContract.META_INPUT_SHAPE}) {
                if (!Objects.equals(meta.get(key), meta0.get(key))) {
                    throw new IllegalArgumentException(who + " differs from member 0 in metadata '" + key
                            + "': the members must read the same features (" + abbreviate(meta.get(key)) + " vs "
                            + abbreviate(meta0.get(key)) + ")");
                }
            }
            if (!g.getInput(0).getType().equals(first.getGraph().getInput(0).getType())) {
                throw new IllegalArgumentException(who + " declares input '" + OnnxContract.INPUT_FEATURES
                        + "' differently from member 0 (" + g.getInput(0).getType().toString().replace('\n', ' ')
                        + " vs " + first.getGraph().getInput(0).getType().toString().replace('\n', ' ') + ")");
            }
            if (!new HashSet<>(m.getOpsetImportList()).equals(new HashSet<>(first.getOpsetImportList()))
                    || m.getIrVersion() != first.getIrVersion()) {
                throw new IllegalArgumentException(who + " has IR version " + m.getIrVersion() + " and opsets "
                        + opsets(m) + ", member 0 has " + first.getIrVersion() + " and " + opsets(first)
                        + "; the members must share them");
            }
        }
        return meta;
    }

    /**
     * Adds member {@code i}'s score computation to the graph, every name prefixed with {@code m<i>/} except the
     * shared input.
     * @return the member's (prefixed) score tensor.
     */
    private static String addMember(OnnxMl.GraphProto.Builder out, int i, OnnxMl.ModelProto member) {
        OnnxMl.ModelProto pruned = ScoreGraphPruner.prune(member, OnnxContract.OUTPUT_SCORE);
        OnnxMl.GraphProto g = (pruned == null ? member : pruned).getGraph();
        String prefix = "m" + i + "/";
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            out.addInitializer(t.toBuilder().setName(rename(prefix, t.getName())));
        }
        for (int k = 0; k < g.getNodeCount(); k++) {
            OnnxMl.NodeProto n = g.getNode(k);
            OnnxMl.NodeProto.Builder b = n.toBuilder().clearInput().clearOutput()
                    .setName(prefix + (n.getName().isEmpty() ? "node_" + k : n.getName()));
            n.getInputList().forEach(s -> b.addInput(rename(prefix, s)));
            n.getOutputList().forEach(s -> b.addOutput(rename(prefix, s)));
            out.addNode(b);
        }
        for (OnnxMl.ValueInfoProto v : g.getValueInfoList()) {
            out.addValueInfo(v.toBuilder().setName(rename(prefix, v.getName())));
        }
        return rename(prefix, OnnxContract.OUTPUT_SCORE);
    }

    /** The shared input stays, an empty name (an omitted optional input) stays empty, the rest is prefixed. */
    private static String rename(String prefix, String name) {
        return name.isEmpty() || name.equals(OnnxContract.INPUT_FEATURES) ? name : prefix + name;
    }

    private static OnnxMl.ValueInfoProto input(OnnxMl.ModelProto m) {
        return m.getGraph().getInput(0);
    }

    private static OnnxMl.ValueInfoProto floatOutput(String name, OnnxMl.TensorShapeProto.Dimension... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (OnnxMl.TensorShapeProto.Dimension d : dims) {
            shape.addDim(d);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    /** Writer-owned keys first, then every member's own entries (prefixed), then the caller's entries. */
    private static Map<String, String> metadata(List<Map<String, String>> metas, double threshold,
                                                Map<String, String> extra) {
        Map<String, String> first = metas.get(0);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(OnnxContract.META_FORMAT_VERSION, OnnxContract.FORMAT_VERSION);
        meta.put(OnnxContract.META_FEATURE_NAMES, first.get(OnnxContract.META_FEATURE_NAMES));
        meta.put(OnnxContract.META_THRESHOLD, Double.toString(threshold));
        meta.put(OnnxContract.META_SCORE_KIND, ScoreKind.SUM.name());
        if (first.containsKey(OnnxContract.META_INPUT_SHAPE)) {
            meta.put(OnnxContract.META_INPUT_SHAPE, first.get(OnnxContract.META_INPUT_SHAPE));
        }
        StringBuilder arch = new StringBuilder("sum of ").append(metas.size()).append(" model scores: ");
        for (int i = 0; i < metas.size(); i++) {
            arch.append(i == 0 ? "" : " + ").append('[').append(i).append("] ")
                    .append(metas.get(i).getOrDefault(OnnxContract.META_SCORE_KIND, "?"));
        }
        arch.append(" (each member's architecture under '").append(OnnxContract.META_MEMBER_PREFIX).append("<i>.")
                .append(OnnxContract.META_ARCHITECTURE).append("')");
        meta.put(OnnxContract.META_ARCHITECTURE, arch.toString());
        meta.put(OnnxContract.META_MEMBER_COUNT, Integer.toString(metas.size()));
        for (int i = 0; i < metas.size(); i++) {
            for (Map.Entry<String, String> e : metas.get(i).entrySet()) {
                String key = e.getKey();
                if (!key.equals(OnnxContract.META_FORMAT_VERSION) && !key.equals(OnnxContract.META_FEATURE_NAMES)
                        && !key.equals(OnnxContract.META_INPUT_SHAPE)) {
                    meta.put(memberKey(i, key), e.getValue());
                }
            }
        }
        Set<String> owned = new HashSet<>(meta.keySet());
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("Metadata keys and values must not be null, found "
                        + e.getKey() + "=" + e.getValue());
            }
            if (owned.contains(e.getKey()) || e.getKey().startsWith(OnnxContract.META_MEMBER_PREFIX)) {
                throw new IllegalArgumentException("Metadata key '" + e.getKey()
                        + "' is written by the score-sum writer itself and cannot be supplied");
            }
            meta.put(e.getKey(), e.getValue());
        }
        return meta;
    }

    private static String opsets(OnnxMl.ModelProto m) {
        List<String> s = new ArrayList<>();
        for (OnnxMl.OperatorSetIdProto o : m.getOpsetImportList()) {
            s.add((o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain()) + ":" + o.getVersion());
        }
        return s.toString();
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "missing";
        }
        return s.length() <= 80 ? "'" + s + "'" : "'" + s.substring(0, 77) + "...'";
    }
}
