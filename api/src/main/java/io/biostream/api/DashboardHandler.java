package io.biostream.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GET /ui and GET /ui/{file}: the analyst dashboard, a few static files kept in the jar under
 * {@value #FOLDER}. Only the files named in {@link #FILES} are served (no path from the request
 * reaches the class loader), each read once at startup so a missing file stops the server. Every
 * answer carries a strict Content-Security-Policy: scripts, styles and connections to this origin
 * only (WebSocket included), images from here or {@code data:} (the live video frames), no inline
 * script or style, no framing. The page holds no secret: the API key is typed in by the analyst
 * and kept in the tab's sessionStorage; every API call then carries it as a bearer token.
 */
final class DashboardHandler {
    static final String FOLDER = "/ui/";
    /** The files of the dashboard and their content types. */
    static final Map<String, String> FILES = files();
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Map<String, byte[]> contents = new LinkedHashMap<>();

    DashboardHandler() {
        for (String file : FILES.keySet()) {
            contents.put(file, read(file));
        }
    }

    private static Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("index.html", "text/html; charset=utf-8");
        files.put("dashboard.css", "text/css; charset=utf-8");
        files.put("dashboard.js", "text/javascript; charset=utf-8");
        files.put("api.js", "text/javascript; charset=utf-8");
        files.put("live.js", "text/javascript; charset=utf-8");
        return Map.copyOf(files);
    }

    private static byte[] read(String file) {
        try (InputStream in = DashboardHandler.class.getResourceAsStream(FOLDER + file)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard file " + FOLDER + file + " is not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET /ui: the page. */
    void page(Context ctx) {
        serve(ctx, "index.html");
    }

    /** GET /ui/{file}: one of the page's scripts or its style sheet; 404 for any other name. */
    void file(Context ctx) {
        String file = ctx.pathParam("file");
        if (!contents.containsKey(file)) {
            throw new ApiError(404, "not_found", "the dashboard has no file " + file);
        }
        serve(ctx, file);
    }

    private void serve(Context ctx, String file) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-cache")
                .contentType(FILES.get(file))
                .result(contents.get(file));
    }
}
