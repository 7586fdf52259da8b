package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;

/**
 * The face chip dlib's face recognition ResNet (the net face-api ported) was trained on: a
 * 150x150 image cut by the least-squares similarity transform (scale, rotation, translation)
 * that maps dlib's mean face shape onto the face's 68 landmarks, with padding 0.25 — dlib's
 * {@code extract_image_chip(img, get_face_chip_details(shape, 150, 0.25), chip)}, the call of
 * dlib's {@code dnn_face_recognition_ex.cpp}. A tilted head lands upright, eyes level, at the
 * template's position and scale, where {@link FaceApiDescriptorCrop} cuts an axis-aligned square.
 *
 * <p>Reproduced from dlib's source (github.com/davisking/dlib at 3d40bf5, May 2026):
 * {@code dlib/image_transforms/interpolation.h} ({@code get_face_chip_details},
 * {@code chip_details(chip_points, img_points, dims)}, {@code extract_image_chips},
 * {@code interpolate_bilinear}), {@code dlib/geometry/point_transforms.h}
 * ({@code find_similarity_transform}) and {@code dlib/image_transforms/image_pyramid.h}
 * ({@code pyramid_down<2>}), including its half-pixel conventions: the chip's pixel corners map
 * onto the corners of a rectangle one pixel narrower than {@code 150 * scale}, and a face much
 * larger than the chip is first reduced with dlib's 5x5 Gaussian pyramid so that the bilinear
 * sampling does not alias. Pixels are kept as floats (dlib stores 8-bit values; rounding moves a
 * descriptor by under 0.01). Samples whose 2x2 neighbourhood leaves the image are black, as in dlib.
 */
public final class AlignedFaceChip {
    /** dlib's chip side for the face recognition net, and the net's input size. */
    public static final int SIZE = FaceDescriptorNet.INPUT_SIZE;
    /** dlib's padding for the face recognition net: the template's unit square grows by 25 % each side. */
    public static final double PADDING = 0.25;

    /**
     * dlib's mean face shape, points 17..67 in a unit square ({@code mean_face_shape_x/_y} of
     * {@code get_face_chip_details}, copied verbatim).
     */
    private static final double[] MEAN_FACE_SHAPE_X = {
        0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
        0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
        0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
        0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
        0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
        0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
        0.553364, 0.490127, 0.42689,
    };
    private static final double[] MEAN_FACE_SHAPE_Y = {
        0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
        0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
        0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
        0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
        0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
        0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
        0.784792, 0.824182, 0.831803, 0.824182,
    };
    private static final int FIRST_TEMPLATE_POINT = 17;

    private AlignedFaceChip() {
    }

    /**
     * Where the chip rectangle lies in the image (dlib's {@code chip_details}): its centre, its
     * side ({@code SIZE * scale}, dlib's rect is one pixel narrower, see the class comment),
     * and its rotation in radians (the image's face tilt; the chip undoes it).
     */
    public record Details(double centreX, double centreY, double side, double angle, double scale) {
        /** The chip's rectangle as dlib's drectangle: left, top, right, bottom. */
        double[] rect() {
            double half = (side - 1) / 2;
            return new double[] {centreX - half, centreY - half, centreX + half, centreY + half};
        }
    }

    /** A similarity transform {@code (x, y) -> (a x - b y + tx, b x + a y + ty)}. */
    public record Similarity(double a, double b, double tx, double ty) {
        public double[] apply(double x, double y) {
            return new double[] {a * x - b * y + tx, b * x + a * y + ty};
        }

        public double scale() {
            return Math.hypot(a, b);
        }

        public double angle() {
            return Math.atan2(b, a);
        }
    }

    /**
     * Whether dlib's 68-point chip uses the landmark: points 17..67 without the eyebrows (17-26)
     * and the lower lip (55-59, 65-67), 33 points.
     */
    static boolean usesLandmark(int point) {
        return point >= FIRST_TEMPLATE_POINT && !(point <= 26)
                && !(point >= 55 && point <= 59) && !(point >= 65 && point <= 67);
    }

    /**
     * Where dlib's template puts landmark {@code point} (17..67) in a chip of {@code size} pixels
     * with {@code padding}: {@code (padding + mean) / (2 padding + 1) * size}.
     */
    public static double[] templatePoint(int point, int size, double padding) {
        if (point < FIRST_TEMPLATE_POINT || point >= FaceLandmarks.COUNT) {
            throw new IllegalArgumentException("dlib's mean face has points 17..67, not " + point);
        }
        int i = point - FIRST_TEMPLATE_POINT;
        return new double[] {
            (padding + MEAN_FACE_SHAPE_X[i]) / (2 * padding + 1) * size,
            (padding + MEAN_FACE_SHAPE_Y[i]) / (2 * padding + 1) * size,
        };
    }

    /**
     * dlib's {@code find_similarity_transform}: the least-squares similarity mapping
     * {@code from} onto {@code to} (Umeyama 1991, eqs. 34-43). In two dimensions Umeyama's
     * SVD solution, which never reflects, is the closed form used here: with both point sets
     * centred, {@code a = sum(f.t) / sum|f|^2} and {@code b = sum(f x t) / sum|f|^2}.
     * Points are interleaved {@code x0, y0, x1, y1, ...}.
     */
    public static Similarity similarity(double[] from, double[] to) {
        if (from.length != to.length || from.length < 4 || from.length % 2 != 0) {
            throw new IllegalArgumentException("need two equally long lists of at least 2 points");
        }
        int n = from.length / 2;
        double fromX = 0, fromY = 0, toX = 0, toY = 0;
        for (int i = 0; i < n; i++) {
            fromX += from[2 * i];
            fromY += from[2 * i + 1];
            toX += to[2 * i];
            toY += to[2 * i + 1];
        }
        fromX /= n;
        fromY /= n;
        toX /= n;
        toY /= n;
        double sigmaFrom = 0, dot = 0, cross = 0;
        for (int i = 0; i < n; i++) {
            double fx = from[2 * i] - fromX;
            double fy = from[2 * i + 1] - fromY;
            double tx = to[2 * i] - toX;
            double ty = to[2 * i + 1] - toY;
            sigmaFrom += fx * fx + fy * fy;
            dot += fx * tx + fy * ty;
            cross += fx * ty - fy * tx;
        }
        double a = sigmaFrom == 0 ? 1 : dot / sigmaFrom;
        double b = sigmaFrom == 0 ? 0 : cross / sigmaFrom;
        return new Similarity(a, b, toX - (a * fromX - b * fromY), toY - (b * fromX + a * fromY));
    }

    /** The transform from chip coordinates ({@link #SIZE}, {@link #PADDING}) to image pixels. */
    public static Similarity chipToImage(FaceLandmarks landmarks) {
        double[] from = new double[2 * 33];
        double[] to = new double[2 * 33];
        int n = 0;
        for (int p = FIRST_TEMPLATE_POINT; p < FaceLandmarks.COUNT; p++) {
            if (!usesLandmark(p)) {
                continue;
            }
            double[] t = templatePoint(p, SIZE, PADDING);
            from[2 * n] = t[0];
            from[2 * n + 1] = t[1];
            to[2 * n] = landmarks.x(p);
            to[2 * n + 1] = landmarks.y(p);
            n++;
        }
        return similarity(from, to);
    }

    /** dlib's {@code chip_details(chip_points, img_points, chip_dims(150, 150))}. */
    public static Details details(FaceLandmarks landmarks) {
        Similarity t = chipToImage(landmarks);
        double[] centre = t.apply(SIZE / 2.0, SIZE / 2.0);
        return new Details(centre[0], centre[1], SIZE * t.scale(), t.angle(), t.scale());
    }

    /**
     * The 150x150 chip. Empty (0x0) when the chip's rectangle has no pixel inside the image; the
     * descriptor net gives zeros for that, and the face pipeline does not describe it.
     */
    public static RgbImage crop(RgbImage image, FaceLandmarks landmarks) {
        return extract(image, details(landmarks));
    }

    /** dlib's {@code extract_image_chips} with bilinear interpolation for one chip of {@link #SIZE}. */
    static RgbImage extract(RgbImage image, Details details) {
        double[] rect = details.rect();
        double cos = Math.cos(details.angle());
        double sin = Math.sin(details.angle());
        // Pyramid depth: halve until the next level's rect would be no larger than the chip.
        long chipArea = (long) SIZE * SIZE;
        int depth = 0;
        double grow = 2;
        double[] down = rectDown(rect);
        while (area(down) > chipArea) {
            down = rectDown(down);
            depth++;
            grow = grow * 2 + 2;
        }
        // The image region the chip needs (its rotated rect grown by the pyramid's border), in
        // integer pixels as dlib's rectangle rounds it.
        double[] rotated = rotatedBounds(rect, cos, sin);
        long left = Math.round(Math.max(rotated[0] - grow, 0));
        long top = Math.round(Math.max(rotated[1] - grow, 0));
        long right = Math.round(Math.min(rotated[2] + grow, image.width() - 1));
        long bottom = Math.round(Math.min(rotated[3] + grow, image.height() - 1));
        if (right < left || bottom < top) {
            return new RgbImage(0, 0, new float[0]);
        }
        RgbImage source = ImageOps.crop(image, (int) left, (int) top, (int) (right - left + 1), (int) (bottom - top + 1));
        double[] local = {rect[0] - left, rect[1] - top, rect[2] - left, rect[3] - top};
        for (int level = 0; level < depth; level++) {
            source = pyramidDown(source);
            local = rectDown(local);
        }
        return sample(source, local, cos, sin);
    }

    /**
     * Chip pixel (c, r) maps to the rect's corners rotated about its centre: (0, 0) to the top
     * left, (SIZE-1, 0) to the top right, (0, SIZE-1) to the bottom left.
     */
    private static RgbImage sample(RgbImage source, double[] rect, double cos, double sin) {
        double centreX = (rect[0] + rect[2]) / 2;
        double centreY = (rect[1] + rect[3]) / 2;
        double stepX = (rect[2] - rect[0]) / (SIZE - 1);
        double stepY = (rect[3] - rect[1]) / (SIZE - 1);
        float[] in = source.data();
        int width = source.width();
        int height = source.height();
        float[] out = new float[SIZE * SIZE * 3];
        for (int r = 0; r < SIZE; r++) {
            double dy = rect[1] - centreY + r * stepY;
            for (int c = 0; c < SIZE; c++) {
                double dx = rect[0] - centreX + c * stepX;
                double x = centreX + cos * dx - sin * dy;
                double y = centreY + sin * dx + cos * dy;
                int x0 = (int) Math.floor(x);
                int y0 = (int) Math.floor(y);
                if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) {
                    continue; // black, as dlib's background
                }
                double fx = x - x0;
                double fy = y - y0;
                int tl = (y0 * width + x0) * 3;
                int bl = tl + width * 3;
                int o = (r * SIZE + c) * 3;
                for (int ch = 0; ch < 3; ch++) {
                    double top = (1 - fx) * in[tl + ch] + fx * in[tl + 3 + ch];
                    double bottom = (1 - fx) * in[bl + ch] + fx * in[bl + 3 + ch];
                    out[o + ch] = (float) ((1 - fy) * top + fy * bottom);
                }
            }
        }
        return new RgbImage(SIZE, SIZE, out);
    }

    /** The bounds (left, top, right, bottom) of the rect's corners rotated about its centre. */
    private static double[] rotatedBounds(double[] rect, double cos, double sin) {
        double centreX = (rect[0] + rect[2]) / 2;
        double centreY = (rect[1] + rect[3]) / 2;
        double[] bounds = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (double cx : new double[] {rect[0], rect[2]}) {
            for (double cy : new double[] {rect[1], rect[3]}) {
                double dx = cx - centreX;
                double dy = cy - centreY;
                double x = centreX + cos * dx - sin * dy;
                double y = centreY + sin * dx + cos * dy;
                bounds[0] = Math.min(bounds[0], x);
                bounds[1] = Math.min(bounds[1], y);
                bounds[2] = Math.max(bounds[2], x);
                bounds[3] = Math.max(bounds[3], y);
            }
        }
        return bounds;
    }

    /** dlib's drectangle area: (right - left + 1) x (bottom - top + 1), 0 when empty. */
    private static double area(double[] rect) {
        if (rect[2] < rect[0] || rect[3] < rect[1]) {
            return 0;
        }
        return (rect[2] - rect[0] + 1) * (rect[3] - rect[1] + 1);
    }

    /** {@code pyramid_down<2>::rect_down}: each corner to {@code p / 2 - (1.25, 0.75)}. */
    private static double[] rectDown(double[] rect) {
        return new double[] {rect[0] / 2 - 1.25, rect[1] / 2 - 0.75, rect[2] / 2 - 1.25, rect[3] / 2 - 0.75};
    }

    /**
     * {@code pyramid_down<2>} on an RGB image: the separable 5-tap filter (1 4 6 4 1)/16 in each
     * direction, keeping every other row and column; output (h-3)/2 x (w-3)/2, empty for images of
     * 8 pixels or fewer a side.
     */
    static RgbImage pyramidDown(RgbImage image) {
        int width = image.width();
        int height = image.height();
        if (width <= 8 || height <= 8) {
            return new RgbImage(0, 0, new float[0]);
        }
        int outWidth = (width - 3) / 2;
        int outHeight = (height - 3) / 2;
        float[] in = image.data();
        float[] rows = new float[height * outWidth * 3];
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < outWidth; c++) {
                int i = (r * width + 2 * c) * 3;
                int o = (r * outWidth + c) * 3;
                for (int ch = 0; ch < 3; ch++) {
                    rows[o + ch] = in[i + ch] + 4 * in[i + 3 + ch] + 6 * in[i + 6 + ch] + 4 * in[i + 9 + ch] + in[i + 12 + ch];
                }
            }
        }
        float[] out = new float[outHeight * outWidth * 3];
        int stride = outWidth * 3;
        for (int d = 0; d < outHeight; d++) {
            for (int c = 0; c < outWidth; c++) {
                int i = (2 * d * outWidth + c) * 3;
                int o = (d * outWidth + c) * 3;
                for (int ch = 0; ch < 3; ch++) {
                    out[o + ch] = (rows[i + ch] + 4 * rows[i + stride + ch] + 6 * rows[i + 2 * stride + ch]
                            + 4 * rows[i + 3 * stride + ch] + rows[i + 4 * stride + ch]) / 256;
                }
            }
        }
        return new RgbImage(outWidth, outHeight, out);
    }
}
