package io.biostream.operators.decode;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
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
 */
public final class FrameDecoder {
    private final DecodeLimits limits;

    public FrameDecoder(DecodeLimits limits) {
        this.limits = limits;
    }

    public DecodeLimits limits() {
        return limits;
    }

    public RgbImage decode(Frame frame) throws FrameRejectedException {
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
        return decodeChecked(bytes, header);
    }

    /** Decodes image bytes that arrive without a Frame (command line, API uploads). */
    public RgbImage decode(byte[] bytes) throws FrameRejectedException {
        checkSize(bytes.length);
        ImageHeader header = ImageHeader.read(bytes);
        checkDimensions(header);
        return decodeChecked(bytes, header);
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
                    + header.height() + ", limit " + limits.maxWidth() + "x" + limits.maxHeight() + " and " + limits.maxPixels() + " px");
        }
    }

    private static RgbImage decodeChecked(byte[] bytes, ImageHeader header) throws FrameRejectedException {
        if (!header.complete()) {
            throw new FrameRejectedException(DeadLetterReason.TRUNCATED_IMAGE,
                    header.format() + " data ends before the end-of-image marker");
        }
        try (BytePointer data = new BytePointer(bytes);
                Mat encoded = new Mat(1, bytes.length, CV_8UC1, data);
                Mat bgr = imdecode(encoded, IMREAD_COLOR)) {
            if (bgr == null || bgr.empty()) {
                throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, header.format() + " data could not be decoded");
            }
            if (bgr.cols() != header.width() || bgr.rows() != header.height()) {
                throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "decoded " + bgr.cols() + "x" + bgr.rows()
                        + " but the header says " + header.width() + "x" + header.height());
            }
            return OpenCvImages.toRgbImage(bgr);
        }
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
