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

    /** An all-black image encoded as ".png" or ".jpg": compresses to almost nothing (a decompression bomb of any size). */
    public static byte[] black(int width, int height, String extension) {
        try (Mat mat = new Mat(height, width, CV_8UC3, new Scalar(0, 0, 0, 0)); BytePointer out = new BytePointer()) {
            if (!imencode(extension, mat, out)) {
                throw new IllegalStateException("imencode failed for " + extension);
            }
            byte[] encoded = new byte[(int) out.limit()];
            out.get(encoded);
            return encoded;
        }
    }

    /** A JPEG whose left half is red and right half blue (orientation tests see where each half went). */
    public static byte[] redLeftBlueRight(int width, int height, boolean progressive) {
        try (Mat mat = new Mat(height, width, CV_8UC3, new Scalar(255, 0, 0, 0));
                Mat left = mat.colRange(0, width / 2);
                Scalar red = new Scalar(0, 0, 255, 0);
                BytePointer out = new BytePointer();
                org.bytedeco.javacpp.IntPointer params = new org.bytedeco.javacpp.IntPointer(
                        org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_PROGRESSIVE, progressive ? 1 : 0)) {
            left.put(red);
            if (!imencode(".jpg", mat, out, params)) {
                throw new IllegalStateException("imencode failed");
            }
            byte[] encoded = new byte[(int) out.limit()];
            out.get(encoded);
            return encoded;
        }
    }

    /**
     * The JPEG with an APP1 Exif segment right after SOI whose IFD0 holds only the orientation
     * tag (0x0112, SHORT), as cameras and phones write it.
     */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation, boolean littleEndian) {
        ByteBuffer tiff = ByteBuffer.allocate(26).order(littleEndian ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        tiff.put(littleEndian ? (byte) 'I' : (byte) 'M').put(littleEndian ? (byte) 'I' : (byte) 'M').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1); // one IFD0 entry
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0); // no next IFD
        byte[] exif = "Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int length = 2 + exif.length + tiff.capacity();
        ByteBuffer out = ByteBuffer.allocate(jpeg.length + 2 + length);
        out.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xE1).putShort((short) length).put(exif).put(tiff.array());
        out.put(jpeg, 2, jpeg.length - 2);
        return out.array();
    }

    /** The baseline JPEG with its scan (SOS segment and data) repeated to {@code scans} scans: only a header reader sees them all. */
    public static byte[] withScans(byte[] jpeg, int scans) {
        int sos = -1;
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xff) == 0xFF && (jpeg[i + 1] & 0xff) == 0xDA) {
                sos = i;
                break;
            }
        }
        if (sos < 0 || (jpeg[jpeg.length - 2] & 0xff) != 0xFF || (jpeg[jpeg.length - 1] & 0xff) != 0xD9) {
            throw new IllegalArgumentException("not a baseline JPEG ending with EOI");
        }
        int scanLength = jpeg.length - 2 - sos;
        ByteBuffer out = ByteBuffer.allocate(sos + scanLength * scans + 2);
        out.put(jpeg, 0, sos);
        for (int s = 0; s < scans; s++) {
            out.put(jpeg, sos, scanLength);
        }
        out.put((byte) 0xFF).put((byte) 0xD9);
        return out.array();
    }
}
