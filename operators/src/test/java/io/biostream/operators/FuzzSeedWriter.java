package io.biostream.operators;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_PROGRESSIVE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.biostream.operators.decode.TestImages;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.Consent;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.Frame;
import io.biostream.schemas.Subject;
import io.biostream.schemas.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Writes the seed corpora of the fuzz tests (operators, schemas and api) from code: tiny OpenCV
 * images, truncated, bit-flipped and forged variants, Avro records with forged lengths, multipart
 * bodies. Run by hand after changing a seed (docs/fuzzing.md); the files are committed.
 */
public final class FuzzSeedWriter {
    /** A forged Avro length or count: 2^31-9, the largest Java array (as sent in issue 11). */
    static final long FORGED = Integer.MAX_VALUE - 8;
    private static final String OPS = "operators/src/test/resources/io/biostream/operators/";

    private FuzzSeedWriter() {}

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Map<String, byte[]> images = images();
        write(root, OPS + "decode/FrameDecoderFuzzTestInputs/imageBytesDecodeWithinTheLimitsOrAreRefusedWithAReason", images);
        write(root, OPS + "decode/ImageHeaderFuzzTestInputs/headersAreReadConsistentlyOrRefusedWithAReason", images);
        Map<String, byte[]> framed = new LinkedHashMap<>();
        // The frame target reads its choices from the end: a zero tail declares the image's own format and size.
        images.forEach((name, bytes) -> framed.put(name, concat(bytes, new byte[32])));
        // Byte -4 from the end forges the declared size: the 8 bytes before it give 0x01010101 x 0x01010101.
        byte[] forgedSize = new byte[32];
        forgedSize[32 - 4] = 1;
        java.util.Arrays.fill(forgedSize, 32 - 12, 32 - 4, (byte) 1);
        framed.put("declared-size-forged.png", concat(images.get("valid-16x12.png"), forgedSize));
        write(root, OPS + "decode/FrameDecoderFuzzTestInputs/framesDecodeAsDeclaredOrAreRefusedWithAReason", framed);

        Map<String, byte[]> avro = avroRecords(images.get("valid-16x12.png"));
        write(root, OPS + "functions/ParseFunctionsFuzzTestInputs/frameRecordsBecomeFramesOrDeadLetters", avro);
        write(root, OPS + "functions/ParseFunctionsFuzzTestInputs/controlRecordsBecomeEventsOrDeadLetters", avro);
        write(root, "schemas/src/test/resources/io/biostream/schemas/WireFormatFuzzTestInputs/framesDecodeOrAreRefused", avro);
        write(root, "schemas/src/test/resources/io/biostream/schemas/WireFormatFuzzTestInputs/controlEventsDecodeOrAreRefused", avro);

        Random random = new Random(11); // structured targets: a few fixed random inputs to start from
        Map<String, byte[]> structured = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            byte[] b = new byte[64 + 32 * i];
            random.nextBytes(b);
            structured.put("random-" + i, b);
        }
        structured.put("zeros", new byte[256]);
        write(root, OPS + "identity/ControlEventsFuzzTestInputs/eachEventIsCompleteOrHasAProblem", structured);

        write(root, "api/src/test/resources/io/biostream/api/PhotoUploadsFuzzTestInputs/photoRequestsAreReadOrRefusedWith4xx",
                multipartBodies(images.get("valid-16x12.png"), images.get("valid-16x12.jpg")));
    }

    /** Valid, truncated, bit-flipped and forged tiny JPEG and PNG images, and non-images. */
    static Map<String, byte[]> images() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] png = TestImages.gradient(16, 12, ".png");
        byte[] jpeg = TestImages.gradient(16, 12, ".jpg");
        seeds.put("valid-16x12.png", png);
        seeds.put("valid-16x12.jpg", jpeg);
        seeds.put("valid-progressive-16x12.jpg", encode(gray(16, 12), ".jpg", IMWRITE_JPEG_PROGRESSIVE, 1));
        // Valid and small to send, but over the fuzz tests' 250,000-pixel limit: refused before decoding.
        seeds.put("valid-600x500-over-pixel-limit.png", encode(new byte[600 * 500 * 3], 600, 500, ".png"));
        seeds.put("truncated-half.png", Arrays.copyOf(png, png.length / 2));
        seeds.put("truncated-half.jpg", Arrays.copyOf(jpeg, jpeg.length / 2));
        seeds.put("truncated-in-header.png", Arrays.copyOf(png, 20));
        seeds.put("truncated-in-header.jpg", Arrays.copyOf(jpeg, 12));
        seeds.put("corrupt-idat.png", TestImages.corruptPngData(png));
        for (int i = 0; i < 3; i++) {
            seeds.put("bit-flipped-" + i + ".png", flipBits(png, 100 + i));
            seeds.put("bit-flipped-" + i + ".jpg", flipBits(jpeg, 200 + i));
        }
        byte[] bombPng = png.clone();
        writeInt32(bombPng, 16, 50_000); // IHDR: a tiny file declaring 50000x50000
        writeInt32(bombPng, 20, 50_000);
        seeds.put("bomb-50000x50000.png", bombPng);
        byte[] forgedChunk = png.clone();
        writeInt32(forgedChunk, 33, 0x7FFFFFF0); // the chunk after IHDR claims ~2 GiB
        seeds.put("forged-chunk-length.png", forgedChunk);
        seeds.put("bomb-60000x60000.jpg", jpegWithSize(jpeg, 60_000, 60_000));
        seeds.put("zero-size.jpg", jpegWithSize(jpeg, 0, 12));
        seeds.put("jpeg-magic-only.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
        seeds.put("png-signature-only.png", Arrays.copyOf(png, 8));
        seeds.put("gif-header.gif", "GIF89a\u0010\u0000\u000c\u0000".getBytes(StandardCharsets.ISO_8859_1));
        seeds.put("text.txt", "not an image".getBytes(StandardCharsets.UTF_8));
        return seeds;
    }

    /** Frame and ControlEvent single-object records: valid, foreign, and with forged lengths and indexes. */
    static Map<String, byte[]> avroRecords(byte[] png) throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Frame frame = Frame.newBuilder().setCameraId("cam-1").setSequence(1).setCaptureTime(Instant.EPOCH)
                .setEncoding("png").setWidth(16).setHeight(12).setBytes(ByteBuffer.wrap(png))
                .setAttributes(Map.of("k", "v")).build();
        byte[] validFrame = WireFormat.encode(frame);
        byte[] frameHeader = Arrays.copyOf(validFrame, 10);
        seeds.put("frame-valid", validFrame);
        seeds.put("frame-truncated", Arrays.copyOf(validFrame, validFrame.length / 2));
        seeds.put("frame-header-only", frameHeader);
        byte[] wrongFingerprint = validFrame.clone();
        wrongFingerprint[5] ^= 0x40;
        seeds.put("frame-wrong-fingerprint", wrongFingerprint);
        seeds.put("frame-forged-string-length", avro(frameHeader, e -> {
            e.writeLong(FORGED); // cameraId length
            e.writeFixed("cam".getBytes(StandardCharsets.UTF_8));
        }));
        seeds.put("frame-forged-bytes-length", avro(frameHeader, e -> {
            frameUpToBytes(e);
            e.writeLong(FORGED); // bytes length
            e.writeFixed(new byte[] {1, 2, 3});
        }));
        seeds.put("frame-forged-map-count", avro(frameHeader, e -> {
            frameUpToBytes(e);
            e.writeBytes(new byte[] {1});
            e.writeLong(FORGED); // attributes block count
            e.writeString("k");
            e.writeString("v");
        }));
        seeds.put("frame-forged-negative-map-block", avro(frameHeader, e -> {
            frameUpToBytes(e);
            e.writeBytes(new byte[] {1});
            e.writeLong(-FORGED); // a negative count is followed by the block's size in bytes
            e.writeLong(FORGED);
            e.writeString("k");
        }));
        seeds.put("frame-bad-union-index", avro(frameHeader, e -> {
            e.writeString("cam");
            e.writeLong(1);
            e.writeLong(0);
            e.writeIndex(7); // sessionId is ["null", "string"]
        }));

        ControlEvent erased = TestControlEvents.erased("raj");
        ControlEvent settings = TestControlEvents.settingsChanged(TestControlEvents.settings(0.6f, 5, 40, "ssd", Map.of(), 3));
        ControlEvent session = TestControlEvents.sessionStarted(
                TestControlEvents.session("s-1", List.of("cam-1", "cam-2"), Instant.EPOCH, Instant.EPOCH.plusSeconds(60)));
        ControlEvent upserted = ControlEvent.newBuilder(erased).setType(ControlType.SUBJECT_UPSERTED).setSubjectId(null)
                .setSubject(new Subject("raj", "Raj", Map.of("team", "a"),
                        new Consent("explicit-consent", "access", Instant.EPOCH, null), Instant.EPOCH)).build();
        ControlEvent enrolled = TestControlEvents.enrolled("raj", new EncryptedTemplate("enroll/raj/1", "k-1", "AES256_GCM",
                ByteBuffer.wrap(new byte[] {9, 8, 7}), new AssociatedData("enroll:raj", 1L, 0), "face-api", 128, Instant.EPOCH));
        for (Map.Entry<String, ControlEvent> e : Map.of("control-erased", erased, "control-settings", settings,
                "control-session", session, "control-upserted", upserted, "control-enrolled", enrolled).entrySet()) {
            seeds.put(e.getKey(), WireFormat.encode(e.getValue()));
        }
        byte[] controlHeader = Arrays.copyOf(WireFormat.encode(erased), 10);
        seeds.put("control-forged-event-id-length", avro(controlHeader, e -> {
            e.writeLong(FORGED);
            e.writeFixed("e-1".getBytes(StandardCharsets.UTF_8));
        }));
        seeds.put("control-bad-enum-index", avro(controlHeader, e -> {
            controlUpToType(e);
            e.writeEnum(99);
        }));
        seeds.put("control-forged-session-cameras-count", avro(controlHeader, e -> {
            controlUpToType(e);
            e.writeEnum(ControlType.SESSION_STARTED.ordinal());
            e.writeIndex(0); // subject
            e.writeIndex(0); // subjectId
            e.writeIndex(0); // template
            e.writeIndex(1); // session
            e.writeString("s-1");
            e.writeLong(FORGED); // cameras array count
            e.writeString("cam-1");
        }));
        seeds.put("control-forged-settings-cameras-count", avro(controlHeader, e -> {
            controlUpToType(e);
            e.writeEnum(ControlType.SETTINGS_CHANGED.ordinal());
            e.writeIndex(0);
            e.writeIndex(0);
            e.writeIndex(0);
            e.writeIndex(0);
            e.writeIndex(1); // settings
            e.writeFloat(0.6f);
            e.writeInt(40);
            e.writeFloat(0f);
            e.writeString("ssd");
            e.writeInt(5);
            e.writeLong(FORGED); // cameras map count
            e.writeString("cam-1");
        }));
        return seeds;
    }

    /** Multipart and plain photo requests: a 1-byte route choice and a content-type choice end each seed. */
    static Map<String, byte[]> multipartBodies(byte[] png, byte[] jpeg) {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] onePhoto = multipart(List.of("image"), List.of(png));
        seeds.put("one-photo", concat(onePhoto, new byte[] {0, 0}));
        seeds.put("two-photos", concat(multipart(List.of("image", "image"), List.of(png, jpeg)), new byte[] {0, 0}));
        seeds.put("verify-pair", concat(multipart(List.of("a", "b"), List.of(png, jpeg)), new byte[] {0, 1}));
        seeds.put("unexpected-part", concat(multipart(List.of("photo"), List.of(png)), new byte[] {0, 0}));
        seeds.put("truncated-multipart", concat(Arrays.copyOf(onePhoto, onePhoto.length / 2), new byte[] {0, 0}));
        seeds.put("no-closing-boundary", concat(Arrays.copyOf(onePhoto, onePhoto.length - 12), new byte[] {0, 0}));
        seeds.put("plain-png-body", concat(png, new byte[] {1, 0}));
        seeds.put("plain-jpeg-body", concat(jpeg, new byte[] {2, 0}));
        seeds.put("empty-body-as-png", new byte[] {1, 0});
        seeds.put("text-body", concat("hello".getBytes(StandardCharsets.UTF_8), new byte[] {3, 0}));
        return seeds;
    }

    /** The boundary every multipart seed uses; the fuzz test's multipart content types name it. */
    public static final String BOUNDARY = "fuzzBoundary7MA4YWxk";

    static byte[] multipart(List<String> names, List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < names.size(); i++) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + names.get(i)
                    + "\"; filename=\"p" + i + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(parts.get(i));
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private interface AvroBody {
        void write(BinaryEncoder e) throws IOException;
    }

    private static byte[] avro(byte[] header, AvroBody body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        body.write(encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static void frameUpToBytes(BinaryEncoder e) throws IOException {
        e.writeString("cam-1");
        e.writeLong(1); // sequence
        e.writeLong(0); // captureTime
        e.writeIndex(0); // sessionId: null
        e.writeString("png");
        e.writeInt(16);
        e.writeInt(12);
    }

    private static void controlUpToType(BinaryEncoder e) throws IOException {
        e.writeString("e-1");
        e.writeLong(0); // time
        e.writeString("test");
    }

    private static byte[] gray(int width, int height) {
        byte[] pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        return pixels;
    }

    private static byte[] encode(byte[] pixels, String extension, int... params) {
        return encode(pixels, 16, 12, extension, params);
    }

    /** BGR pixels encoded with OpenCV, with imwrite parameters. */
    private static byte[] encode(byte[] pixels, int width, int height, String extension, int... params) {
        try (Mat mat = new Mat(height, width, CV_8UC3); BytePointer out = new BytePointer();
                IntPointer flags = new IntPointer(params)) {
            ByteBuffer buffer = mat.createBuffer();
            buffer.put(pixels);
            if (!(params.length == 0 ? imencode(extension, mat, out) : imencode(extension, mat, out, flags))) {
                throw new IllegalStateException("imencode failed");
            }
            byte[] encoded = new byte[(int) out.limit()];
            out.get(encoded);
            return encoded;
        }
    }

    /** The JPEG with its frame header (SOFn) declaring another size. */
    private static byte[] jpegWithSize(byte[] jpeg, int width, int height) {
        byte[] copy = jpeg.clone();
        for (int pos = 2; pos + 9 <= copy.length; ) {
            int marker = copy[pos + 1] & 0xff;
            if (marker >= 0xC0 && marker <= 0xC2) {
                copy[pos + 5] = (byte) (height >> 8);
                copy[pos + 6] = (byte) height;
                copy[pos + 7] = (byte) (width >> 8);
                copy[pos + 8] = (byte) width;
                return copy;
            }
            pos += 2 + (((copy[pos + 2] & 0xff) << 8) | (copy[pos + 3] & 0xff));
        }
        throw new IllegalStateException("no SOF marker");
    }

    private static byte[] flipBits(byte[] bytes, long seed) {
        byte[] copy = bytes.clone();
        Random random = new Random(seed);
        for (int i = 0; i < 4; i++) {
            int at = random.nextInt(copy.length);
            copy[at] ^= (byte) (1 << random.nextInt(8));
        }
        return copy;
    }

    private static void writeInt32(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void write(Path root, String dir, Map<String, byte[]> seeds) throws IOException {
        Path target = root.resolve(dir);
        Files.createDirectories(target);
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            Files.write(target.resolve(seed.getKey()), seed.getValue());
        }
    }
}
