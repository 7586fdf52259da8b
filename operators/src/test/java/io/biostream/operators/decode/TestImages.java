package io.biostream.operators.decode;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Encoded test images made with OpenCV, so tests need no image files. */
public final class TestImages {
    private TestImages() {}

    /** A smooth BGR gradient of the given size encoded as ".jpg" or ".png". */
    public static byte[] gradient(int width, int height, String extension) {
        byte[] pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                pixels[i] = (byte) (x * 255 / Math.max(1, width - 1));
                pixels[i + 1] = (byte) (y * 255 / Math.max(1, height - 1));
                pixels[i + 2] = (byte) 128;
            }
        }
        try (Mat mat = new Mat(height, width, CV_8UC3); BytePointer out = new BytePointer()) {
            ByteBuffer buffer = mat.createBuffer();
            buffer.put(pixels);
            if (!imencode(extension, mat, out)) {
                throw new IllegalStateException("imencode failed for " + extension);
            }
            byte[] encoded = new byte[(int) out.limit()];
            out.get(encoded);
            return encoded;
        }
    }

    /** Overwrites the compressed IDAT payload: header and IEND intact, zlib stream broken. */
    public static byte[] corruptPngData(byte[] png) {
        byte[] copy = png.clone();
        int pos = 8;
        while (pos + 8 <= copy.length) {
            int length = ((copy[pos] & 0xff) << 24) | ((copy[pos + 1] & 0xff) << 16) | ((copy[pos + 2] & 0xff) << 8) | (copy[pos + 3] & 0xff);
            if (copy[pos + 4] == 'I' && copy[pos + 5] == 'D' && copy[pos + 6] == 'A' && copy[pos + 7] == 'T') {
                Arrays.fill(copy, pos + 8, pos + 8 + length, (byte) 0x5A);
                return copy;
            }
            pos += 12 + length;
        }
        throw new IllegalStateException("no IDAT chunk");
    }


    /**
     * The encoded image centred in black, {@code round(fraction * side)} pixels on each side, as PNG:
     * tight face crops need that context before a detector finds the face (the peer's protocol).
     */
    public static byte[] withBlackBorder(byte[] encoded, double fraction) {
        try (Mat raw = new Mat(1, encoded.length, org.bytedeco.opencv.global.opencv_core.CV_8UC1);
                Mat image = decodeInto(raw, encoded);
                Mat bordered = new Mat();
                Scalar black = new Scalar(0, 0, 0, 0);
                BytePointer out = new BytePointer()) {
            int padX = (int) Math.floor(fraction * image.cols() + 0.5);
            int padY = (int) Math.floor(fraction * image.rows() + 0.5);
            copyMakeBorder(image, bordered, padY, padY, padX, padX, BORDER_CONSTANT, black);
            if (!imencode(".png", bordered, out)) {
                throw new IllegalStateException("imencode failed");
            }
            byte[] png = new byte[(int) out.limit()];
            out.get(png);
            return png;
        }
    }

    private static Mat decodeInto(Mat raw, byte[] encoded) {
        raw.data().put(encoded);
        Mat image = imdecode(raw, IMREAD_COLOR);
        if (image.empty()) {
            throw new IllegalArgumentException("not an image OpenCV can decode");
        }
        return image;
    }
}
