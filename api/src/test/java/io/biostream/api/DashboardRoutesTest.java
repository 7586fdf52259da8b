package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.RateLimit;
import io.biostream.operators.crypto.TestKeyRings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's files over real HTTP: the page and everything it loads come from /ui with a
 * strict Content-Security-Policy, the page has no inline script or style for that policy to
 * refuse, only the dashboard's own files are served, and the key is kept per tab and sent only as
 * a bearer header. The page's behaviour in a browser is DashboardBrowserTest's (launcher).
 */
class DashboardRoutesTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.start(ApiConfig.defaults().withPort(0).withRateLimit(RateLimit.unlimited()), new ApiKeyStore(),
                new InMemoryCameraState(), TestKeyRings.throwawayCipher(), new InMemoryAuditTrail().trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void thePageAndEveryFileItLoadsComeFromUiUnderAStrictPolicy() throws Exception {
        HttpResponse<String> page = get("/ui");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(policy).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "*", "http:", "https:");

        List<String> loaded = new ArrayList<>();
        Matcher reference = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.body());
        while (reference.find()) {
            loaded.add(reference.group(1));
        }
        assertThat(loaded).as("what the page loads").isNotEmpty().allSatisfy(url -> assertThat(url).startsWith("/ui/"));
        for (String file : DashboardHandler.FILES.keySet()) {
            HttpResponse<String> answer = get("/ui/" + file);
            assertThat(answer.statusCode()).as(file).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Security-Policy")).hasValue(policy);
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(answer.body()).as(file).isNotBlank();
        }
        assertThat(loaded).allSatisfy(url -> assertThat(DashboardHandler.FILES).containsKey(url.substring("/ui/".length())));
    }

    @Test
    void thePageHasNoInlineScriptOrStyleForThePolicyToRefuse() throws Exception {
        String page = get("/ui").body();
        Matcher script = Pattern.compile("<script([^>]*)>").matcher(page);
        int scripts = 0;
        while (script.find()) {
            assertThat(script.group(1)).as("a script without src is inline").contains("src=");
            scripts++;
        }
        assertThat(scripts).isPositive();
        assertThat(page).doesNotContainPattern("(?i)\\son[a-z]+=").doesNotContainPattern("(?i)\\sstyle=")
                .doesNotContain("<style");
    }

    @Test
    void onlyTheDashboardsOwnFilesAreServed() throws Exception {
        for (String path : List.of("/ui/secret.js", "/ui/..%2Fopenapi%2Fbiostream-api.yaml", "/ui/index.html.bak")) {
            HttpResponse<String> answer = get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(404);
            assertThat(answer.body()).as(path).contains("\"error\"").doesNotContain("openapi:");
        }
    }

    @Test
    void theKeyStaysInTheTabAndTravelsOnlyAsABearerHeader() throws Exception {
        String api = get("/ui/api.js").body();
        String scripts = api + get("/ui/live.js").body() + get("/ui/dashboard.js").body();
        assertThat(api).contains("sessionStorage.setItem(KEY", "'Bearer ' + key");
        assertThat(scripts).doesNotContain("localStorage", "document.cookie", "console.log")
                .doesNotContainPattern("[?&](key|apiKey|token)=");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build();
        return ApiRequests.send(HTTP, request, HttpResponse.BodyHandlers.ofString());
    }
}
