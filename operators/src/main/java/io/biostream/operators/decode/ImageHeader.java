package io.biostream.operators.decode;

import io.biostream.schemas.DeadLetterReason;

/**
 * Format, dimensions and completeness of an encoded image, read from its bytes without decoding
 * pixels (PNG IHDR/IEND, JPEG SOFn/EOI), so limits are enforced before any allocation; for JPEG
 * also the number of scans (SOS markers: a progressive image is decoded in one pass over the
 * whole image per scan) and the EXIF orientation (APP1 tag 0x0112).
 *
 * @param width       as stored (before the orientation is applied)
 * @param orientation EXIF orientation 1..8 (1: as stored; 5..8 swap width and height)
 */
public record ImageHeader(ImageFormat format, int width, int height, boolean complete, int scans, int orientation) {

    public ImageHeader(ImageFormat format, int width, int height, boolean complete) {
        this(format, width, height, complete, 1, 1);
    }

    /** Width of the image as shown, after its EXIF orientation. */
    public int orientedWidth() {
        return orientation >= 5 ? height : width;
    }

    /** Height of the image as shown, after its EXIF orientation. */
    public int orientedHeight() {
        return orientation >= 5 ? width : height;
    }

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
        int orientation = 1;
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
                return new ImageHeader(ImageFormat.JPEG, width, height, jpegEndsWithEoi(b), countScans(b, pos + 2 + length),
                        orientation);
            }
            if (marker == 0xE1 && orientation == 1) {
                orientation = exifOrientation(b, pos + 4, Math.min(b.length, pos + 2 + length));
            }
            pos += 2 + length;
        }
        throw new FrameRejectedException(DeadLetterReason.TRUNCATED_IMAGE, "JPEG ends before its frame header (" + b.length + " bytes)");
    }

    /**
     * The SOS markers from {@code pos} on: segments are skipped by their length, each scan's
     * entropy-coded data up to the next marker (FF00 stuffing and RSTn belong to the data). Stops,
     * without failing, at EOI, at the end or at anything that is not a marker (libjpeg judges that).
     */
    private static int countScans(byte[] b, int pos) {
        int scans = 0;
        while (pos + 4 <= b.length && (b[pos] & 0xff) == 0xFF) {
            int marker = b[pos + 1] & 0xff;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker == 0xD9) {
                break;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                pos += 2;
                continue;
            }
            int length = ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            if (length < 2) {
                break;
            }
            pos += 2 + length;
            if (marker == 0xDA) {
                scans++;
                while (pos + 1 < b.length) {
                    if ((b[pos] & 0xff) != 0xFF) {
                        pos++;
                        continue;
                    }
                    int next = b[pos + 1] & 0xff;
                    if (next == 0xFF) {
                        pos++;
                    } else if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                        pos += 2;
                    } else {
                        break;
                    }
                }
            }
        }
        return scans;
    }

    /**
     * The orientation tag (0x0112) of IFD0 in an APP1 Exif segment between {@code start} and
     * {@code end}; 1 (as stored) when absent, out of range or malformed: every read is bounded by
     * the segment.
     */
    static int exifOrientation(byte[] b, int start, int end) {
        if (end - start < 14 || b[start] != 'E' || b[start + 1] != 'x' || b[start + 2] != 'i' || b[start + 3] != 'f'
                || b[start + 4] != 0 || b[start + 5] != 0) {
            return 1;
        }
        int tiff = start + 6;
        boolean little;
        if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            little = true;
        } else if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        long ifd = tiff + (uint32(b, tiff + 4, little));
        if (ifd + 2 > end || ifd < tiff + 8) {
            return 1;
        }
        int entries = uint16(b, (int) ifd, little);
        for (int i = 0; i < entries; i++) {
            long entry = ifd + 2 + 12L * i;
            if (entry + 12 > end) {
                return 1;
            }
            if (uint16(b, (int) entry, little) == 0x0112) {
                int type = uint16(b, (int) entry + 2, little);
                int value = uint16(b, (int) entry + 8, little);
                return type == 3 && value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    private static int uint16(byte[] b, int at, boolean little) {
        return little ? (b[at] & 0xff) | ((b[at + 1] & 0xff) << 8) : ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    private static long uint32(byte[] b, int at, boolean little) {
        long v = little
                ? (b[at] & 0xff) | ((b[at + 1] & 0xff) << 8) | ((b[at + 2] & 0xff) << 16) | ((long) (b[at + 3] & 0xff) << 24)
                : ((long) (b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
        return v;
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
