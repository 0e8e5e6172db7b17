package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cuts an ONNX graph down to the nodes one output needs. ONNX Runtime executes every node of a graph whatever
 * outputs are requested (measured: requesting only {@code score} cost the same as requesting every output), so a
 * model whose score does not use the decoder (the SVDD score) paid for the whole decoder on every prediction. The
 * pruned graph is used only for score-only prediction; the stored and exported ONNX bytes stay complete.
 * {@link OnnxScoreSum} uses it to keep of each member only what its score needs. Public for {@code IaeModel} and
 * the benchmarks, which run the same pruned graph in a raw session.
 */
public final class ScoreGraphPruner {

    private ScoreGraphPruner() { }

    /**
     * The graph reduced to what {@code output} depends on: its nodes, initializers, value infos and graph inputs.
     * @param onnxBytes a serialized model whose nodes are topologically sorted (as the ONNX spec requires).
     * @param output the output to keep.
     * @return the pruned model's bytes, or null if pruning would remove no node, the graph has sub-graphs
     *     (control flow, left alone), or the output is not a graph output.
     */
    public static byte[] prune(byte[] onnxBytes, String output) {
        OnnxMl.ModelProto model;
        try {
            model = OnnxMl.ModelProto.parseFrom(onnxBytes);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
        OnnxMl.ModelProto pruned = prune(model, output);
        return pruned == null ? null : pruned.toByteArray();
    }

    /**
     * As {@link #prune(byte[], String)}, on a parsed model.
     * @param model a model whose nodes are topologically sorted.
     * @param output the output to keep.
     * @return the pruned model, or null (see {@link #prune(byte[], String)}).
     */
    public static OnnxMl.ModelProto prune(OnnxMl.ModelProto model, String output) {
        OnnxMl.GraphProto g = model.getGraph();
        boolean isOutput = false;
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
            isOutput |= o.getName().equals(output);
        }
        if (!isOutput) {
            return null;
        }
        List<OnnxMl.NodeProto> nodes = g.getNodeList();
        Set<String> needed = new HashSet<>();
        needed.add(output);
        boolean[] keep = new boolean[nodes.size()];
        int kept = 0;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            OnnxMl.NodeProto node = nodes.get(i);
            for (OnnxMl.AttributeProto a : node.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    return null;
                }
            }
            for (String out : node.getOutputList()) {
                if (needed.contains(out)) {
                    keep[i] = true;
                    break;
                }
            }
            if (keep[i]) {
                kept++;
                needed.addAll(node.getInputList());
            }
        }
        if (kept == nodes.size()) {
            return null;
        }
        List<OnnxMl.NodeProto> keptNodes = new ArrayList<>(kept);
        for (int i = 0; i < nodes.size(); i++) {
            if (keep[i]) {
                keptNodes.add(nodes.get(i));
            }
        }
        // Graph inputs go too unless needed: a file that lists its initializers as inputs (IR < 4 style, or saved
        // with keep_initializers_as_inputs) would otherwise turn every dropped initializer into a required input.
        OnnxMl.GraphProto.Builder b = g.toBuilder().clearNode().clearOutput().clearInitializer().clearValueInfo()
                .clearInput().addAllNode(keptNodes);
        for (OnnxMl.ValueInfoProto in : g.getInputList()) {
            if (needed.contains(in.getName())) {
                b.addInput(in);
            }
        }
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
            if (o.getName().equals(output)) {
                b.addOutput(o);
            }
        }
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (needed.contains(t.getName())) {
                b.addInitializer(t);
            }
        }
        for (OnnxMl.ValueInfoProto v : g.getValueInfoList()) {
            if (needed.contains(v.getName())) {
                b.addValueInfo(v);
            }
        }
        return model.toBuilder().setGraph(b).build();
    }
}
