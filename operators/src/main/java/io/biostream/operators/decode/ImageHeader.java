package io.biostream.operators.decode;

import io.biostream.schemas.DeadLetterReason;

/**
 * Format, dimensions and completeness of an encoded image, read from its bytes without decoding
 * pixels (PNG IHDR/IEND, JPEG SOFn/EOI), so limits are enforced before any allocation.
 */
public record ImageHeader(ImageFormat format, int width, int height, boolean complete) {

    public enum ImageFormat {
        JPEG, PNG;

        /** The format a Frame's declared encoding names, or null when unsupported. */
        public static ImageFormat ofEncoding(String encoding) {
            if (encoding == null) {
                return null;
            }
            return switch (encoding.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "jpeg", "jpg", "image/jpeg" -> JPEG;
                case "png", "image/png" -> PNG;
                default -> null;
            };
        }
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** Sniffs the real format from magic bytes; null when neither JPEG nor PNG. */
    public static ImageFormat sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return ImageFormat.JPEG;
        }
        if (b.length >= PNG_SIGNATURE.length) {
            for (int i = 0; i < PNG_SIGNATURE.length; i++) {
                if (b[i] != PNG_SIGNATURE[i]) {
                    return null;
                }
            }
            return ImageFormat.PNG;
        }
        return null;
    }

    public static ImageHeader read(byte[] b) throws FrameRejectedException {
        ImageFormat format = sniff(b);
        if (format == null) {
            throw new FrameRejectedException(DeadLetterReason.UNSUPPORTED_FORMAT,
                    "bytes are neither JPEG nor PNG (magic " + hexPrefix(b) + ")");
        }
        return format == ImageFormat.PNG ? readPng(b) : readJpeg(b);
    }

    private static ImageHeader readPng(byte[] b) throws FrameRejectedException {
        // signature(8) + length(4) + "IHDR"(4) + width(4) + height(4)
        if (b.length < 33) {
            throw new FrameRejectedException(DeadLetterReason.TRUNCATED_IMAGE, "PNG ends inside its header (" + b.length + " bytes)");
        }
        if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "PNG does not start with an IHDR chunk");
        }
        int width = int32(b, 16);
        int height = int32(b, 20);
        if (width <= 0 || height <= 0) {
            throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "PNG declares size " + width + "x" + height);
        }
        return new ImageHeader(ImageFormat.PNG, width, height, pngHasIend(b));
    }

    /** Walks the chunk list: complete only when it reaches IEND inside the buffer. */
    private static boolean pngHasIend(byte[] b) {
        long pos = 8;
        while (pos + 8 <= b.length) {
            long length = int32(b, (int) pos) & 0xffffffffL;
            int type = (int) pos + 4;
            if (b[type] == 'I' && b[type + 1] == 'E' && b[type + 2] == 'N' && b[type + 3] == 'D') {
                return pos + 12 <= b.length;
            }
            pos += 12 + length;
        }
        return false;
    }

    private static ImageHeader readJpeg(byte[] b) throws FrameRejectedException {
        int pos = 2;
        while (pos + 4 <= b.length) {
            if ((b[pos] & 0xff) != 0xFF) {
                throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "JPEG marker expected at byte " + pos);
            }
            int marker = b[pos + 1] & 0xff;
            if (marker == 0xFF) { // fill byte
                pos++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                pos += 2;
                continue;
            }
            int length = ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            if (length < 2) {
                throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "JPEG segment length " + length + " at byte " + pos);
            }
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame) {
                if (pos + 9 > b.length) {
                    break;
                }
                int height = ((b[pos + 5] & 0xff) << 8) | (b[pos + 6] & 0xff);
                int width = ((b[pos + 7] & 0xff) << 8) | (b[pos + 8] & 0xff);
                if (width <= 0 || height <= 0) {
                    throw new FrameRejectedException(DeadLetterReason.CORRUPT_IMAGE, "JPEG declares size " + width + "x" + height);
                }
                return new ImageHeader(ImageFormat.JPEG, width, height, jpegEndsWithEoi(b));
            }
            pos += 2 + length;
        }
        throw new FrameRejectedException(DeadLetterReason.TRUNCATED_IMAGE, "JPEG ends before its frame header (" + b.length + " bytes)");
    }

    /** Encoders end with EOI (FFD9); allow trailing zero padding some cameras add. */
    private static boolean jpegEndsWithEoi(byte[] b) {
        int end = b.length;
        while (end > 2 && b[end - 1] == 0) {
            end--;
        }
        return end >= 2 && (b[end - 2] & 0xff) == 0xFF && (b[end - 1] & 0xff) == 0xD9;
    }

    private static int int32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    private static String hexPrefix(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(4, b.length); i++) {
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.length() == 0 ? "(none)" : s.toString();
    }
}
