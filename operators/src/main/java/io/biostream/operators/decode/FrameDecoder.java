package io.biostream.operators.decode;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.bytedeco.opencv.global.opencv_core.transpose;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.biostream.operators.config.CameraIds;
import io.biostream.operators.decode.ImageHeader.ImageFormat;
import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Checks a frame against the limits and its own declarations, then decodes it with OpenCV into the
 * RGB layout the face nets use. Every refusal carries a distinct dead-letter reason.
 *
 * <p>Memory: before OpenCV allocates anything, a decode takes its estimated peak from the
 * {@link DecodeBudget} (by default the process-wide one of its limits), and {@link #open} keeps it
 * until the caller is done with the image.
 *
 * <p>Orientation: OpenCV would apply a JPEG's EXIF orientation itself, making the decoded size
 * disagree with the header; it is told to ignore it, and the decoder applies the orientation the
 * header read, so the image is upright and its size is the header's oriented size by construction.
 */
public final class FrameDecoder {
    private final DecodeLimits limits;
    private final DecodeBudget budget;

    /** With the process-wide budget of {@code limits}. */
    public FrameDecoder(DecodeLimits limits) {
        this(limits, DecodeBudget.shared(limits));
    }

    public FrameDecoder(DecodeLimits limits, DecodeBudget budget) {
        this.limits = limits;
        this.budget = budget;
    }

    /** A decoded image and its share of the decode budget, given back on close. */
    public record DecodedImage(RgbImage image, DecodeBudget.Permit permit) implements AutoCloseable {
        @Override
        public void close() {
            permit.close();
        }
    }

    public DecodeLimits limits() {
        return limits;
    }

    /** Decodes a frame, holding its share of the budget only while decoding. */
    public RgbImage decode(Frame frame) throws FrameRejectedException {
        try (DecodedImage decoded = open(frame)) {
            return decoded.image();
        }
    }

    /** Decodes image bytes that arrive without a Frame (command line, API uploads). */
    public RgbImage decode(byte[] bytes) throws FrameRejectedException {
        try (DecodedImage decoded = open(bytes)) {
            return decoded.image();
        }
    }

    /** Decodes a frame; the caller closes the result when done with the image (its budget share is held till then). */
    public DecodedImage open(Frame frame) throws FrameRejectedException {
        String cameraId = frame.getCameraId();
        if (!CameraIds.isValid(cameraId)) {
            throw new FrameRejectedException(DeadLetterReason.INVALID_FIELD, "cameraId must be " + CameraIds.RULE);
        }
        if (frame.getSequence() < 0) {
            throw new FrameRejectedException(DeadLetterReason.INVALID_FIELD, "sequence must not be negative: " + frame.getSequence());
        }
        ImageFormat declared = ImageFormat.ofEncoding(frame.getEncoding());
        byte[] bytes = toArray(frame.getBytes());
        checkSize(bytes.length);
        if (declared == null) {
            throw new FrameRejectedException(DeadLetterReason.UNSUPPORTED_FORMAT,
                    "encoding '" + frame.getEncoding() + "' is not supported (jpeg, png)");
        }
        ImageHeader header = ImageHeader.read(bytes);
        if (header.format() != declared) {
            throw new FrameRejectedException(DeadLetterReason.INVALID_FIELD,
                    "encoding declared " + declared + " but the bytes are " + header.format());
        }
        checkDimensions(header);
        if (header.width() != frame.getWidth() || header.height() != frame.getHeight()) {
            throw new FrameRejectedException(DeadLetterReason.DIMENSION_MISMATCH, "declared "
                    + frame.getWidth() + "x" + frame.getHeight() + " but the image is " + header.width() + "x" + header.height());
        }
        return decodeChecked(bytes, header, "frame " + cameraId + "/" + frame.getSequence());
    }

    /** {@link #open(Frame)} for image bytes that arrive without a Frame. */
    public DecodedImage open(byte[] bytes) throws FrameRejectedException {
        checkSize(bytes.length);
        ImageHeader header = ImageHeader.read(bytes);
        checkDimensions(header);
        return decodeChecked(bytes, header, "the image");
    }

    private void checkSize(int length) throws FrameRejectedException {
        if (length == 0) {
            throw new FrameRejectedException(DeadLetterReason.EMPTY, "frame has no image bytes");
        }
        if (length > limits.maxFrameBytes()) {
            throw new FrameRejectedException(DeadLetterReason.OVERSIZED,
                    "image has " + length + " bytes, limit " + limits.maxFrameBytes());
        }
    }

    private void checkDimensions(ImageHeader header) throws FrameRejectedException {
        if (header.width() > limits.maxWidth() || header.height() > limits.maxHeight()
                || (long) header.width() * header.height() > limits.maxPixels()) {
            throw new FrameRejectedException(DeadLetterReason.DIMENSIONS_TOO_LARGE, "image is " + header.width() + "x"
                    + header.height() + ", limit " + limits.maxWidth() + "x" + limits.maxHeight() + " and " + limits.maxPixels()
                    + " px (biostream.decode.max-pixels)");
        }
        if (header.scans() > limits.maxScans()) {
            throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "JPEG has " + header.scans()
                    + " scans, limit " + limits.maxScans() + " (biostream.decode.max-scans; each scan is a pass over the whole image)");
        }
    }

    private DecodedImage decodeChecked(byte[] bytes, ImageHeader header, String what) throws FrameRejectedException {
        if (!header.complete()) {
            throw new FrameRejectedException(DeadLetterReason.TRUNCATED_IMAGE,
                    header.format() + " data ends before the end-of-image marker");
        }
        DecodeBudget.Permit permit = budget.acquire(DecodeBudget.peakBytes(header.width(), header.height()),
                what + " (" + header.width() + "x" + header.height() + ")");
        try {
            DecodedImage decoded = new DecodedImage(decodeUpright(bytes, header), permit);
            permit = null;
            return decoded;
        } finally {
            if (permit != null) {
                permit.close();
            }
        }
    }

    private static RgbImage decodeUpright(byte[] bytes, ImageHeader header) throws FrameRejectedException {
        try (BytePointer data = new BytePointer(bytes);
                Mat encoded = new Mat(1, bytes.length, CV_8UC1, data);
                Mat bgr = imdecode(encoded, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION)) {
            if (bgr == null || bgr.empty()) {
                throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, header.format() + " data could not be decoded");
            }
            if (bgr.cols() != header.width() || bgr.rows() != header.height()) {
                throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "decoded " + bgr.cols() + "x" + bgr.rows()
                        + " but the header says " + header.width() + "x" + header.height());
            }
            if (header.orientation() == 1) {
                return OpenCvImages.toRgbImage(bgr);
            }
            try (Mat upright = oriented(bgr, header.orientation())) {
                return OpenCvImages.toRgbImage(upright);
            }
        }
    }

    /** The image as EXIF orientation 2..8 says to show it (the same steps as OpenCV's own ApplyExifOrientation). */
    private static Mat oriented(Mat bgr, int orientation) {
        Mat out = new Mat();
        switch (orientation) {
            case 2 -> flip(bgr, out, 1);
            case 3 -> flip(bgr, out, -1);
            case 4 -> flip(bgr, out, 0);
            default -> {
                transpose(bgr, out);
                if (orientation != 5) {
                    flip(out, out, orientation == 6 ? 1 : orientation == 7 ? -1 : 0);
                }
            }
        }
        return out;
    }

    private static byte[] toArray(ByteBuffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
