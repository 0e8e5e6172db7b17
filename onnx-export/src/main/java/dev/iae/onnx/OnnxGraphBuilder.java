package dev.iae.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A small helper that accumulates the nodes, initializers, inputs and outputs of one ONNX graph, built with the
 * {@code ai.onnx.proto.OnnxMl} protobuf builders directly. It hands out unique tensor and node names, writes
 * initializers as little-endian {@code raw_data}, and declares graph inputs and outputs with a symbolic batch
 * dimension. Package-private: only {@link IaeOnnxWriter} uses it.
 */
final class OnnxGraphBuilder {
    /** The symbolic batch dimension of every graph input and output. */
    static final String BATCH_DIM = "N";

    private final OnnxMl.GraphProto.Builder graph;
    private final Set<String> usedNames = new HashSet<>();
    private int nodeCounter = 0;

    /**
     * Creates an empty graph.
     * @param name the graph name.
     */
    OnnxGraphBuilder(String name) {
        this.graph = OnnxMl.GraphProto.newBuilder().setName(name);
    }

    /**
     * Reserves a tensor name; if taken, appends a numeric suffix.
     * @param base the preferred name.
     * @return a name no other tensor in this graph has.
     */
    String fresh(String base) {
        String name = base;
        int i = 1;
        while (usedNames.contains(name)) {
            name = base + "_" + i;
            i++;
        }
        usedNames.add(name);
        return name;
    }

    /**
     * Reserves an exact name (graph inputs and outputs, whose names are the contract).
     * @param name the name.
     * @return the name.
     * @throws IllegalStateException if it is taken.
     */
    String exact(String name) {
        if (!usedNames.add(name)) {
            throw new IllegalStateException("Tensor name '" + name + "' is already used in the graph");
        }
        return name;
    }

    /**
     * Adds a float initializer.
     * @param base the preferred name.
     * @param dims the shape.
     * @param values the row-major values.
     * @return the initializer's name.
     */
    String floatInit(String base, long[] dims, float[] values) {
        long size = 1;
        for (long d : dims) {
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalStateException("Initializer '" + base + "' of shape " + Arrays.toString(dims)
                    + " given " + values.length + " values");
        }
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        buf.flip();
        String name = fresh(base);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(buf));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /**
     * Adds a float scalar initializer (rank 0).
     * @param base the preferred name.
     * @param value the value.
     * @return the initializer's name.
     */
    String floatScalar(String base, float value) {
        return floatInit(base, new long[0], new float[]{value});
    }

    /**
     * Adds a one-dimensional int64 initializer (shapes, axes, pads, slice bounds).
     * @param base the preferred name.
     * @param values the values.
     * @return the initializer's name.
     */
    String longInit(String base, long... values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        buf.flip();
        String name = fresh(base);
        graph.addInitializer(OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addDims(values.length)
                .setRawData(ByteString.copyFrom(buf)));
        return name;
    }

    /**
     * Adds a node with the given outputs.
     * @param opType the operator (default domain).
     * @param inputs the input tensor names ("" for an omitted optional input).
     * @param outputs the output tensor names, already reserved.
     * @param attributes the attributes.
     */
    void node(String opType, String[] inputs, String[] outputs, OnnxMl.AttributeProto... attributes) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder()
                .setOpType(opType)
                .setName(opType + "_" + nodeCounter++);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (String out : outputs) {
            n.addOutput(out);
        }
        for (OnnxMl.AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
    }

    /**
     * Adds a single-output node whose output gets a fresh name.
     * @param opType the operator.
     * @param outBase the preferred output name.
     * @param inputs the input tensor names.
     * @param attributes the attributes.
     * @return the output's name.
     */
    String op(String opType, String outBase, String[] inputs, OnnxMl.AttributeProto... attributes) {
        String out = fresh(outBase);
        node(opType, inputs, new String[]{out}, attributes);
        return out;
    }

    /**
     * Declares a float graph input.
     * @param name the exact name.
     * @param dims the dimensions; a negative value stands for the symbolic batch dimension.
     */
    void input(String name, long... dims) {
        graph.addInput(valueInfo(exact(name), dims));
    }

    /**
     * Declares a float graph output (the tensor must be produced by a node under exactly this name).
     * @param name the name.
     * @param dims the dimensions; a negative value stands for the symbolic batch dimension.
     */
    void output(String name, long... dims) {
        graph.addOutput(valueInfo(name, dims));
    }

    /**
     * Sets the graph's doc string.
     * @param doc the text.
     */
    void docString(String doc) {
        graph.setDocString(doc);
    }

    /** @return the finished graph. */
    OnnxMl.GraphProto build() {
        return graph.build();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d < 0) {
                dim.setDimParam(BATCH_DIM);
            } else {
                dim.setDimValue(d);
            }
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                                .setShape(shape)))
                .build();
    }

    /**
     * An int attribute.
     * @param name the attribute name.
     * @param value the value.
     * @return the attribute.
     */
    static OnnxMl.AttributeProto intAttr(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build();
    }

    /**
     * A float attribute.
     * @param name the attribute name.
     * @param value the value.
     * @return the attribute.
     */
    static OnnxMl.AttributeProto floatAttr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /**
     * An ints attribute.
     * @param name the attribute name.
     * @param values the values.
     * @return the attribute.
     */
    static OnnxMl.AttributeProto intsAttr(String name, long... values) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /**
     * A string attribute.
     * @param name the attribute name.
     * @param value the value.
     * @return the attribute.
     */
    static OnnxMl.AttributeProto stringAttr(String name, String value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    @Override
    public String toString() {
        return "OnnxGraphBuilder(name=" + graph.getName() + ", nodes=" + graph.getNodeCount()
                + ", initializers=" + graph.getInitializerCount() + ")";
    }
}
