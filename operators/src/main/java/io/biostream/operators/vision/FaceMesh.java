package io.biostream.operators.vision;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Point2f;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_imgproc.Subdiv2D;
import org.bytedeco.opencv.opencv_imgproc.Vec6fVector;

/**
 * Delaunay triangulation of face landmarks (OpenCV {@link Subdiv2D}), as triangles of landmark
 * indices: what a mesh overlay or a piecewise-affine warp needs.
 *
 * <p>Subdiv2D triangulates the points together with three virtual vertices a finite distance
 * away, so a thin triangle along the convex hull, whose circumcircle reaches a virtual vertex,
 * comes out joined to that vertex instead. Dropping the virtual-vertex triangles therefore
 * leaves notches along the hull; they are filled with the triangles the true Delaunay
 * triangulation has there: across each uncovered edge, the point on the far side that sees the
 * edge under the largest angle (the empty-circle rule).
 */
public final class FaceMesh {
    /** Space around the points inside Subdiv2D's bounding rectangle, which must contain them. */
    private static final int MARGIN = 2;

    private FaceMesh() {
    }

    /**
     * The triangles of the Delaunay triangulation of the points {@code x0,y0,x1,y1,...}, each as
     * three point indices in ascending order, sorted lexicographically, so equal input gives
     * equal output. They tile the points' convex hull. Coincident points (equal as float) count
     * once, under the lowest index; collinear points give no triangles.
     */
    public static List<int[]> triangulate(double[] points) {
        if (points.length % 2 != 0 || points.length < 6) {
            throw new IllegalArgumentException("need x,y pairs of at least 3 points, got " + points.length + " values");
        }
        int count = points.length / 2;
        float[] xs = new float[count];
        float[] ys = new float[count];
        Map<Long, Integer> indexByPosition = new HashMap<>();
        for (int i = 0; i < count; i++) {
            xs[i] = (float) points[2 * i];
            ys[i] = (float) points[2 * i + 1];
            if (!Float.isFinite(xs[i]) || !Float.isFinite(ys[i])) {
                throw new IllegalArgumentException("point " + i + " is not finite");
            }
            indexByPosition.putIfAbsent(key(xs[i], ys[i]), i);
        }
        Mesh mesh = new Mesh(xs, ys, indexByPosition);
        for (int[] triangle : subdivisionTriangles(xs, ys, indexByPosition)) {
            mesh.add(triangle[0], triangle[1], triangle[2]);
        }
        mesh.fillAlongHull();

        List<int[]> triangles = new ArrayList<>(mesh.triangles);
        for (int[] triangle : triangles) {
            Arrays.sort(triangle);
        }
        triangles.sort(Comparator.<int[]>comparingInt(t -> t[0]).thenComparingInt(t -> t[1]).thenComparingInt(t -> t[2]));
        return triangles;
    }

    /** Subdiv2D's triangles whose three corners are input points, as point indices. */
    private static List<int[]> subdivisionTriangles(float[] xs, float[] ys, Map<Long, Integer> indexByPosition) {
        List<int[]> triangles = new ArrayList<>();
        try (Rect bounds = bounds(xs, ys);
             Subdiv2D subdivision = new Subdiv2D(bounds);
             Vec6fVector found = new Vec6fVector()) {
            for (int i = 0; i < xs.length; i++) {
                try (Point2f point = new Point2f(xs[i], ys[i])) {
                    subdivision.insert(point);
                }
            }
            subdivision.getTriangleList(found);
            for (long t = 0; t < found.size(); t++) {
                FloatPointer corners = found.get(t);
                int[] triangle = new int[3];
                boolean real = true;
                for (int corner = 0; corner < 3 && real; corner++) {
                    Integer index = indexByPosition.get(key(corners.get(2 * corner), corners.get(2 * corner + 1)));
                    real = index != null;
                    triangle[corner] = real ? index : -1;
                }
                if (real) {
                    triangles.add(triangle);
                }
            }
        }
        return triangles;
    }

    private static long key(float x, float y) {
        return ((long) Float.floatToIntBits(x) << 32) | (Float.floatToIntBits(y) & 0xffffffffL);
    }

    /** An integer rectangle strictly containing every point. */
    private static Rect bounds(float[] xs, float[] ys) {
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < xs.length; i++) {
            minX = Math.min(minX, xs[i]);
            minY = Math.min(minY, ys[i]);
            maxX = Math.max(maxX, xs[i]);
            maxY = Math.max(maxY, ys[i]);
        }
        int x = (int) Math.floor(minX) - MARGIN;
        int y = (int) Math.floor(minY) - MARGIN;
        return new Rect(x, y, (int) Math.ceil(maxX) + MARGIN - x, (int) Math.ceil(maxY) + MARGIN - y);
    }

    /** Triangles with their directed edges, each edge keyed to the side its triangle lies on. */
    private static final class Mesh {
        private final float[] xs;
        private final float[] ys;
        private final boolean[] distinct;
        private final List<int[]> triangles = new ArrayList<>();
        /** Directed edges a->b that have a triangle on their left. */
        private final Set<Long> edgesWithTriangleOnLeft = new HashSet<>();

        Mesh(float[] xs, float[] ys, Map<Long, Integer> indexByPosition) {
            this.xs = xs;
            this.ys = ys;
            this.distinct = new boolean[xs.length];
            for (int index : indexByPosition.values()) {
                distinct[index] = true;
            }
        }

        void add(int a, int b, int c) {
            if (cross(a, b, c) < 0) {
                int swap = b;
                b = c;
                c = swap;
            }
            triangles.add(new int[] {a, b, c});
            edgesWithTriangleOnLeft.add(edge(a, b));
            edgesWithTriangleOnLeft.add(edge(b, c));
            edgesWithTriangleOnLeft.add(edge(c, a));
        }

        /** Adds the Delaunay triangles beyond every edge covered on one side only, until none is left. */
        void fillAlongHull() {
            Deque<int[]> open = new ArrayDeque<>();
            for (int[] t : triangles) {
                open.add(new int[] {t[1], t[0]});
                open.add(new int[] {t[2], t[1]});
                open.add(new int[] {t[0], t[2]});
            }
            if (triangles.isEmpty()) {
                int[] hullEdge = someHullEdge();
                open.add(hullEdge);
                open.add(new int[] {hullEdge[1], hullEdge[0]});
            }
            // A triangulation of n points has fewer than 2n triangles; each step adds one or none.
            int steps = 0;
            int maxSteps = 8 * xs.length + 8;
            while (!open.isEmpty()) {
                if (++steps > maxSteps) {
                    throw new IllegalStateException("hull filling did not finish in " + maxSteps + " steps");
                }
                int[] edge = open.poll();
                int a = edge[0];
                int b = edge[1];
                if (edgesWithTriangleOnLeft.contains(edge(a, b))) {
                    continue;
                }
                int apex = widestAngleOnLeft(a, b);
                if (apex >= 0) {
                    add(a, b, apex);
                    open.add(new int[] {apex, b});
                    open.add(new int[] {a, apex});
                }
            }
        }

        /** The point strictly left of a->b that sees a-b under the largest angle, or -1. */
        private int widestAngleOnLeft(int a, int b) {
            int best = -1;
            double bestAngle = -1;
            for (int w = 0; w < xs.length; w++) {
                if (!distinct[w] || w == a || w == b || cross(a, b, w) <= 0) {
                    continue;
                }
                double ux = xs[a] - xs[w];
                double uy = ys[a] - ys[w];
                double vx = xs[b] - xs[w];
                double vy = ys[b] - ys[w];
                double angle = Math.atan2(Math.abs(ux * vy - uy * vx), ux * vx + uy * vy);
                if (angle > bestAngle) {
                    bestAngle = angle;
                    best = w;
                }
            }
            return best;
        }

        /** An edge of the convex hull: from the lowest-x point to the point all others lie left of. */
        private int[] someHullEdge() {
            int start = -1;
            for (int i = 0; i < xs.length; i++) {
                if (distinct[i] && (start < 0 || xs[i] < xs[start] || (xs[i] == xs[start] && ys[i] < ys[start]))) {
                    start = i;
                }
            }
            int end = -1;
            for (int i = 0; i < xs.length; i++) {
                if (!distinct[i] || i == start) {
                    continue;
                }
                double turn = end < 0 ? 0 : cross(start, end, i);
                if (end < 0 || turn < 0 || (turn == 0 && distance(start, i) < distance(start, end))) {
                    end = i;
                }
            }
            return new int[] {start, end};
        }

        private double cross(int a, int b, int c) {
            return ((double) xs[b] - xs[a]) * ((double) ys[c] - ys[a]) - ((double) ys[b] - ys[a]) * ((double) xs[c] - xs[a]);
        }

        private double distance(int a, int b) {
            return Math.hypot((double) xs[b] - xs[a], (double) ys[b] - ys[a]);
        }

        private static long edge(int from, int to) {
            return ((long) from << 32) | (to & 0xffffffffL);
        }
    }
}
