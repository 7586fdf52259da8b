package io.biostream.api;

import io.biostream.api.state.CameraStateReader;
import io.javalin.http.Context;
import java.util.Locale;

/** GET /health: the service is up; says whether the state can be read, without failing on it. */
final class HealthHandler {
    private final CameraStateReader state;

    HealthHandler(CameraStateReader state) {
        this.state = state;
    }

    record Health(String status, String state) {}

    void get(Context ctx) {
        ctx.json(new Health("ok", state.status().name().toLowerCase(Locale.ROOT)));
    }
}
