package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;
import static org.bytedeco.opencv.global.opencv_imgproc.contourArea;
import static org.bytedeco.opencv.global.opencv_imgproc.convexHull;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class FaceMeshTest {

    private static double[] randomPoints(long seed, int count) {
        Random random = new Random(seed);
        double[] points = new double[2 * count];
        for (int i = 0; i < points.length; i++) {
            points[i] = 50 + 200 * random.nextDouble();
        }
        return points;
    }

    private static Mat asContour(double[] points) {
        Mat contour = new Mat(points.length / 2, 1, CV_32FC2);
        try (FloatIndexer at = contour.createIndexer()) {
            for (int i = 0; i < points.length; i++) {
                at.put(i / 2, 0, i % 2, (float) points[i]);
            }
        }
        return contour;
    }

    /** Points on the convex hull (OpenCV convexHull, which leaves out collinear ones). */
    private static int hullSize(double[] points) {
        try (Mat contour = asContour(points);
             Mat hull = new Mat()) {
            convexHull(contour, hull, false, false);
            return hull.rows();
        }
    }

    private static double hullArea(double[] points) {
        try (Mat contour = asContour(points);
             Mat hull = new Mat()) {
            convexHull(contour, hull, false, true);
            return contourArea(hull);
        }
    }

    private static double area(double[] p, int[] t) {
        double ax = p[2 * t[0]];
        double ay = p[2 * t[0] + 1];
        return Math.abs((p[2 * t[1]] - ax) * (p[2 * t[2] + 1] - ay) - (p[2 * t[2]] - ax) * (p[2 * t[1] + 1] - ay)) / 2;
    }

    /** True when point q lies strictly inside the circumcircle of triangle t (beyond a relative tolerance). */
    private static boolean insideCircumcircle(double[] p, int[] t, int q) {
        double[][] d = new double[3][];
        for (int k = 0; k < 3; k++) {
            double dx = p[2 * t[k]] - p[2 * q];
            double dy = p[2 * t[k] + 1] - p[2 * q + 1];
            d[k] = new double[] {dx, dy, dx * dx + dy * dy};
        }
        double det = d[0][0] * (d[1][1] * d[2][2] - d[2][1] * d[1][2])
                - d[0][1] * (d[1][0] * d[2][2] - d[2][0] * d[1][2])
                + d[0][2] * (d[1][0] * d[2][1] - d[2][0] * d[1][1]);
        double orientation = (p[2 * t[1]] - p[2 * t[0]]) * (p[2 * t[2] + 1] - p[2 * t[0] + 1])
                - (p[2 * t[2]] - p[2 * t[0]]) * (p[2 * t[1] + 1] - p[2 * t[0] + 1]);
        double scale = d[0][2] * d[1][2] * 1e-9 + 1e-6;
        return det * Math.signum(orientation) > scale;
    }

    private static void assertIsDelaunayTriangulation(double[] points) {
        int n = points.length / 2;
        List<int[]> triangles = FaceMesh.triangulate(points);

        Set<List<Integer>> distinct = new HashSet<>();
        double covered = 0;
        for (int[] t : triangles) {
            assertThat(t).hasSize(3);
            assertThat(t[0]).isGreaterThanOrEqualTo(0);
            assertThat(t[0]).isLessThan(t[1]);
            assertThat(t[1]).isLessThan(t[2]);
            assertThat(t[2]).isLessThan(n);
            assertThat(distinct.add(List.of(t[0], t[1], t[2]))).as("duplicate triangle").isTrue();
            covered += area(points, t);
            for (int q = 0; q < n; q++) {
                if (q != t[0] && q != t[1] && q != t[2]) {
                    assertThat(insideCircumcircle(points, t, q)).as("point " + q + " inside circumcircle").isFalse();
                }
            }
        }
        // Euler: a triangulation of n points with h on the hull has 2n - 2 - h triangles.
        assertThat(triangles).hasSize(2 * n - 2 - hullSize(points));
        // No virtual-vertex triangles left in, no hole: the triangles tile the convex hull.
        assertThat(covered).isCloseTo(hullArea(points), within(hullArea(points) * 1e-4));
    }

    @Test
    void triangulatesRandomPointsAsDelaunay() {
        for (long seed = 1; seed <= 5; seed++) {
            assertIsDelaunayTriangulation(randomPoints(seed, 68));
        }
    }

    @Test
    void triangulatesRealLandmarksAsDelaunay() throws IOException {
        int faces = 0;
        for (GoldenFaces sample : GoldenFaces.all()) {
            for (GoldenFaces.Face face : sample.faces()) {
                assertIsDelaunayTriangulation(face.landmarks());
                faces++;
            }
        }
        assertThat(faces).isEqualTo(13);
    }

    @Test
    void sameLandmarksGiveTheSameTrianglesInTheSameOrder() throws IOException {
        double[] points = GoldenFaces.load("sample1").faces().get(0).landmarks();
        List<int[]> first = FaceMesh.triangulate(points);
        List<int[]> second = FaceMesh.triangulate(points.clone());

        assertThat(second).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i)).containsExactly(first.get(i));
        }
        for (int i = 1; i < first.size(); i++) {
            int[] a = first.get(i - 1);
            int[] b = first.get(i);
            int order = a[0] != b[0] ? Integer.compare(a[0], b[0])
                    : a[1] != b[1] ? Integer.compare(a[1], b[1]) : Integer.compare(a[2], b[2]);
            assertThat(order).as("sorted").isNegative();
        }
    }

    @Test
    void keepsSliversAlongTheHullAndGivesNothingForCollinearPoints() {
        // A sliver's circumcircle reaches far out, where Subdiv2D's virtual vertices are.
        List<int[]> sliver = FaceMesh.triangulate(new double[] {0, 0, 100, 0, 50, 0.5});
        assertThat(sliver).hasSize(1);
        assertThat(sliver.get(0)).containsExactly(0, 1, 2);

        double[] flatBottom = {0, 0, 100, 0, 50, 0.05, 20, 40, 80, 40};
        assertIsDelaunayTriangulation(flatBottom);

        assertThat(FaceMesh.triangulate(new double[] {0, 0, 10, 10, 20, 20, 30, 30})).isEmpty();
    }

    @Test
    void aRepeatedPointIsUsedOnceUnderItsFirstIndex() {
        double[] square = {0, 0, 10, 0, 10, 10, 0, 10.5, 10, 0};
        List<int[]> triangles = FaceMesh.triangulate(square);

        assertThat(triangles).hasSize(2);
        for (int[] t : triangles) {
            assertThat(t).doesNotContain(4);
        }
        assertThatThrownBy(() -> FaceMesh.triangulate(new double[] {1, 2, 3})).isInstanceOf(IllegalArgumentException.class);
    }
}
