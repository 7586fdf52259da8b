package io.biostream.launcher.camera;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.decode.ImageHeader;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** Encoded JPEG or PNG pictures decoded for the client, within the job's own size limits. */
final class EncodedImages {
    private EncodedImages() {}

    /**
     * The picture as BGR; refused (not decoded) when it is no JPEG or PNG, or its header declares
     * more pixels than the job decodes (a decompression bomb would cost the client as much).
     */
    static Mat decode(byte[] image, String name) throws CameraException {
        ImageHeader header;
        try {
            header = ImageHeader.read(image);
        } catch (FrameRejectedException e) {
            throw new CameraException(name + " is not a JPEG or PNG image (" + e.getMessage() + ")");
        }
        DecodeLimits limits = DecodeLimits.DEFAULTS;
        if (header.width() > limits.maxWidth() || header.height() > limits.maxHeight()
                || (long) header.width() * header.height() > limits.maxPixels()) {
            throw new CameraException(name + " is " + header.width() + "x" + header.height()
                    + ", larger than the job decodes (" + limits.maxWidth() + "x" + limits.maxHeight() + ", "
                    + limits.maxPixels() + " pixels)");
        }
        try (BytePointer data = new BytePointer(image); Mat encoded = new Mat(1, image.length, CV_8UC1, data)) {
            Mat bgr = imdecode(encoded, IMREAD_COLOR);
            if (bgr == null || bgr.empty()) {
                throw new CameraException(name + " could not be decoded (truncated or corrupt)");
            }
            return bgr;
        }
    }
}
