package io.biostream.launcher.eval;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.decode.ImageHeader;
import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Reads the images of an evaluation set as RGB. JPEG and PNG go through the job's
 * {@link FrameDecoder} (same checks and decode as live frames); binary and plain netpbm
 * (PGM/PPM/PBM, as in the ORL set) are decoded by OpenCV, greyscale replicated to RGB, after their
 * header's size is checked against the same limits. Anything else is refused.
 */
public final class FaceImageReader {

    /** A file that is not an image this reader takes; the message says why. */
    public static final class UnreadableImageException extends Exception {
        public UnreadableImageException(String message) {
            super(message);
        }
    }

    private final DecodeLimits limits;
    private final FrameDecoder decoder;

    public FaceImageReader(DecodeLimits limits) {
        this.limits = limits;
        this.decoder = new FrameDecoder(limits);
    }

    public RgbImage read(Path file) throws UnreadableImageException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > limits.maxFrameBytes()) {
                throw new UnreadableImageException("file has " + size + " bytes, limit " + limits.maxFrameBytes());
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UnreadableImageException("cannot read: " + e.getMessage());
        }
        if (isNetpbm(bytes)) {
            return decodeNetpbm(bytes);
        }
        if (ImageHeader.sniff(bytes) == null) {
            throw new UnreadableImageException("not a JPEG, PNG or netpbm (PGM/PPM) image");
        }
        try {
            return decoder.decode(bytes);
        } catch (FrameRejectedException e) {
            throw new UnreadableImageException(e.reason() + ": " + e.getMessage());
        }
    }

    /** Netpbm magic: 'P' then '1'..'6' then whitespace. */
    static boolean isNetpbm(byte[] b) {
        return b.length >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' && Character.isWhitespace(b[2]);
    }

    /**
     * Width and height from a netpbm header: magic, then whitespace-separated decimal tokens,
     * with {@code #} comments running to the end of the line. Null when the header is malformed.
     */
    static int[] netpbmSize(byte[] b) {
        int[] size = new int[2];
        int at = 2;
        for (int token = 0; token < 2; token++) {
            while (at < b.length && (Character.isWhitespace(b[at]) || b[at] == '#')) {
                if (b[at] == '#') {
                    while (at < b.length && b[at] != '\n' && b[at] != '\r') {
                        at++;
                    }
                } else {
                    at++;
                }
            }
            long value = 0;
            int digits = 0;
            while (at < b.length && b[at] >= '0' && b[at] <= '9' && digits < 10) {
                value = value * 10 + (b[at++] - '0');
                digits++;
            }
            if (digits == 0 || value > Integer.MAX_VALUE || at >= b.length || !Character.isWhitespace(b[at]) && b[at] != '#') {
                return null;
            }
            size[token] = (int) value;
        }
        return size;
    }

    private RgbImage decodeNetpbm(byte[] bytes) throws UnreadableImageException {
        int[] size = netpbmSize(bytes);
        if (size == null || size[0] == 0 || size[1] == 0) {
            throw new UnreadableImageException("netpbm header is malformed");
        }
        if (size[0] > limits.maxWidth() || size[1] > limits.maxHeight() || (long) size[0] * size[1] > limits.maxPixels()) {
            throw new UnreadableImageException("image is " + size[0] + "x" + size[1] + ", limit " + limits.maxWidth() + "x"
                    + limits.maxHeight() + " and " + limits.maxPixels() + " px");
        }
        try (BytePointer data = new BytePointer(bytes);
                Mat encoded = new Mat(1, bytes.length, CV_8UC1, data);
                Mat bgr = imdecode(encoded, IMREAD_COLOR)) {
            if (bgr == null || bgr.empty()) {
                throw new UnreadableImageException("netpbm data could not be decoded");
            }
            if (bgr.cols() != size[0] || bgr.rows() != size[1]) {
                throw new UnreadableImageException("decoded " + bgr.cols() + "x" + bgr.rows() + " but the header says "
                        + size[0] + "x" + size[1]);
            }
            return OpenCvImages.toRgbImage(bgr);
        }
    }
}
