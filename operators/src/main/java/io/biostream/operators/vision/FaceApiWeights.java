package io.biostream.operators.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The named tensors of one face-api model, read from its TF.js weights manifest and binary
 * shards and dequantised exactly as TF.js does it, so a port sees the values the JavaScript
 * nets compute with.
 *
 * <p>Dequantisation: {@code q*scale + min} evaluated in double (scale and min are the manifest's
 * JSON doubles) and then rounded to float32; int32 tensors are rounded half up like JS
 * {@code Math.round}. Entries without quantisation are raw little-endian float32 or int32.
 * Shapes keep the TF layouts of the manifest (conv {@code [kh,kw,in,out]}, fc {@code [in,out]}).
 */
public final class FaceApiWeights {
    /** Where the build puts face-api's weight files on the classpath (src/build/fetch-face-api.sh). */
    public static final String CLASSPATH_DIR = "models/face-api/";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a tensor is stored: {@code dtype} is "uint8" or "uint16". */
    public record Quantization(String dtype, double scale, double min) {
        int bytesPerValue() {
            return switch (dtype) {
                case "uint8" -> 1;
                case "uint16" -> 2;
                default -> throw new IllegalArgumentException("unsupported quantization dtype " + dtype);
            };
        }
    }

    /**
     * One named tensor. {@code values} holds the dequantised values in row-major order of
     * {@code shape} (int32 tensors as exact floats); callers must not modify the arrays.
     * {@code quantization} is null for raw entries. {@code byteOffset} is the position in the
     * model's concatenated shards.
     */
    public record Tensor(String name, int[] shape, String dtype, Quantization quantization,
                         long byteOffset, int byteLength, float[] values) {
        public int size() {
            return values.length;
        }

        public long[] longShape() {
            return Arrays.stream(shape).asLongStream().toArray();
        }
    }

    /** Opens one shard named by the manifest's {@code paths}. */
    @FunctionalInterface
    public interface ShardSource {
        InputStream open(String path) throws IOException;
    }

    private final String modelName;
    private final Map<String, Tensor> tensors;
    private final long byteSize;

    private FaceApiWeights(String modelName, Map<String, Tensor> tensors, long byteSize) {
        this.modelName = modelName;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.byteSize = byteSize;
    }

    /** Loads {@code models/face-api/<modelName>-weights_manifest.json} and its shards from the classpath. */
    public static FaceApiWeights fromClasspath(String modelName) {
        ClassLoader loader = FaceApiWeights.class.getClassLoader();
        ShardSource classpath = path -> {
            InputStream in = loader.getResourceAsStream(CLASSPATH_DIR + path);
            if (in == null) {
                throw new FileNotFoundException("classpath resource " + CLASSPATH_DIR + path
                        + " (built by `mvn -pl operators generate-resources`)");
            }
            return in;
        };
        return load(modelName, classpath);
    }

    /** Loads {@code <modelName>-weights_manifest.json} and its shards from a folder. */
    public static FaceApiWeights fromDirectory(Path directory, String modelName) {
        Path root = directory.toAbsolutePath().normalize();
        return load(modelName, path -> {
            Path file = root.resolve(path).normalize();
            if (!file.startsWith(root)) {
                throw new IOException("manifest path leaves the weights folder: " + path);
            }
            return Files.newInputStream(file);
        });
    }

    /** Loads a model whose manifest and shards come from {@code source}. */
    public static FaceApiWeights load(String modelName, ShardSource source) {
        try (InputStream manifest = source.open(modelName + "-weights_manifest.json")) {
            return parse(modelName, JSON.readTree(manifest), source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load face-api weights " + modelName, e);
        }
    }

    private static FaceApiWeights parse(String modelName, JsonNode manifest, ShardSource source)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long groupStart = 0;
        for (JsonNode group : manifest) {
            ByteBuffer bytes = ByteBuffer.wrap(readShards(group.get("paths"), source))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode spec : group.get("weights")) {
                Tensor tensor = readTensor(spec, bytes, groupStart);
                if (tensors.putIfAbsent(tensor.name(), tensor) != null) {
                    throw new IOException("duplicate weight " + tensor.name());
                }
            }
            if (bytes.hasRemaining()) {
                throw new IOException("manifest describes " + bytes.position() + " bytes, shards hold "
                        + bytes.capacity());
            }
            groupStart += bytes.capacity();
        }
        return new FaceApiWeights(modelName, tensors, groupStart);
    }

    private static byte[] readShards(JsonNode paths, ShardSource source) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (JsonNode path : paths) {
            try (InputStream in = source.open(path.asText())) {
                in.transferTo(all);
            }
        }
        return all.toByteArray();
    }

    private static Tensor readTensor(JsonNode spec, ByteBuffer bytes, long groupStart) throws IOException {
        String name = spec.get("name").asText();
        String dtype = spec.get("dtype").asText();
        int[] shape = new int[spec.get("shape").size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = spec.get("shape").get(i).asInt();
            count *= shape[i];
        }
        if (count > Integer.MAX_VALUE) {
            throw new IOException(name + " is too large: " + count + " values");
        }
        if (!dtype.equals("float32") && !dtype.equals("int32")) {
            throw new IOException(name + " has unsupported dtype " + dtype);
        }
        JsonNode q = spec.get("quantization");
        Quantization quantization = q == null ? null
                : new Quantization(q.get("dtype").asText(), q.get("scale").asDouble(), q.get("min").asDouble());
        int bytesPerValue = quantization == null ? 4 : quantization.bytesPerValue();
        int byteLength = Math.toIntExact(count * bytesPerValue);
        if (bytes.remaining() < byteLength) {
            throw new IOException(name + " needs " + byteLength + " bytes at offset " + bytes.position()
                    + ", shards end at " + bytes.capacity());
        }
        long offset = groupStart + bytes.position();
        float[] values = new float[(int) count];
        boolean integer = dtype.equals("int32");
        for (int i = 0; i < values.length; i++) {
            values[i] = quantization == null
                    ? (integer ? (float) bytes.getInt() : bytes.getFloat())
                    : dequantize(quantized(bytes, bytesPerValue), quantization, integer);
        }
        return new Tensor(name, shape, dtype, quantization, offset, byteLength, values);
    }

    private static int quantized(ByteBuffer bytes, int bytesPerValue) {
        return bytesPerValue == 1 ? Byte.toUnsignedInt(bytes.get()) : Short.toUnsignedInt(bytes.getShort());
    }

    /** TF.js: computed in double, stored in a Float32Array (int32: Math.round, half up). */
    static float dequantize(int q, Quantization quantization, boolean integer) {
        double value = q * quantization.scale() + quantization.min();
        return integer ? (float) Math.floor(value + 0.5) : (float) value;
    }

    public String modelName() {
        return modelName;
    }

    /** Total bytes of the model's shards. */
    public long byteSize() {
        return byteSize;
    }

    /** Number of manifest entries (including ones a net does not use). */
    public int size() {
        return tensors.size();
    }

    /** Names in manifest order. */
    public List<String> names() {
        return new ArrayList<>(tensors.keySet());
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Tensor get(String name) {
        Tensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new NoSuchElementException(modelName + " has no weight " + name);
        }
        return tensor;
    }

    /** The tensor, checked to have {@code expectedShape} (guards a port against a wrong layout). */
    public Tensor get(String name, int... expectedShape) {
        Tensor tensor = get(name);
        if (!Arrays.equals(tensor.shape(), expectedShape)) {
            throw new IllegalStateException(modelName + " weight " + name + " has shape "
                    + Arrays.toString(tensor.shape()) + ", expected " + Arrays.toString(expectedShape));
        }
        return tensor;
    }
}
