package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.api.ApiServer;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.FlinkJobStatus;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.testing.SharedFaces;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless Chromium and its chromedriver, nothing
 * downloaded) against the API of a running pipeline: a wrong key ends on the 401 message; an admin
 * enrolls a watchlisted subject through the page; an analyst signs in and watches a camera's tile
 * update with the annotated video and the boxes of its results, and sees the subject's
 * identification and watchlist alert in the feed. The page runs under its Content-Security-Policy
 * without a violation, at 1280x800. A screenshot lands in target/dashboard.png for the docs.
 */
class DashboardBrowserTest {
    /** The job's first frame loads its models: the first result may take this long on a loaded machine. */
    private static final Duration FIRST_RESULT = Duration.ofSeconds(60);
    private static final Duration PAGE = Duration.ofSeconds(15);
    private static final String CAMERA = "demo-cam";

    @TempDir
    Path dir;

    @Test
    void anAnalystWatchesACameraAndSeesAnIdentificationAfterAnEnrollment() throws Exception {
        byte[] raj = SharedFaces.bbtFrame("raj/raj_4.png"); // skips (or fails under CI) without the shared photos
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Path raj1 = Files.write(photos.resolve("raj_1.png"), FacePhotos.bbt("raj", 1));
        Path raj10 = Files.write(photos.resolve("raj_10.png"), FacePhotos.bbt("raj", 10));
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            JobClient job = cluster.submit(cluster.pipelineConfig(Map.of()), Optional.empty());
            ApiKeyStore keys = new ApiKeyStore();
            IssuedKey admin = keys.generate("admin", EnumSet.of(Role.ADMIN), Set.of());
            IssuedKey analyst = keys.generate("analyst", EnumSet.of(Role.ANALYST), Set.of());
            ApiServer api = cluster.startIdentityApi(keys, job.getJobID(), Map.of());
            api.followTopics(cluster.apiKafka(), cluster.topics);
            api.followJobStatus(new FlinkJobStatus(cluster.flink.restUrl(), () -> Optional.of(job.getJobID())));
            String page = "http://127.0.0.1:" + api.port() + "/ui";

            WebDriver browser = chromium();
            try {
                WebDriverWait wait = new WebDriverWait(browser, PAGE, Duration.ofMillis(200));
                browser.get(page);
                wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-ready", "true"));

                // A wrong key: the page says 401 plainly and keeps nothing.
                signIn(browser, "bsk_not_a_key_of_this_api");
                WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-error")));
                assertThat(error.getText()).contains("401", "refused");
                assertThat(session(browser)).isNull();
                assertThat(browser.findElement(By.id("dashboard")).isDisplayed()).isFalse();

                // The admin enrolls raj on the watchlist through the page (file input of the drop zone).
                signIn(browser, admin.plaintext());
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("enroll")));
                browser.findElement(By.id("enroll-id")).sendKeys("raj");
                browser.findElement(By.id("enroll-name")).sendKeys("Raj");
                browser.findElement(By.id("enroll-watchlist")).click();
                browser.findElement(By.id("enroll-files")).sendKeys(raj1 + "\n" + raj10);
                browser.findElement(By.cssSelector("#enroll button[type=submit]")).click();
                new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(200)).until(
                        ExpectedConditions.textToBePresentInElementLocated(By.id("enroll-result"), "enrolled raj: 2 template(s)"));
                cluster.awaitControlApplied();
                browser.findElement(By.id("sign-out")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in")));
                assertThat(session(browser)).isNull();

                // The analyst: the key stays in the tab, never in the address.
                signIn(browser, analyst.plaintext());
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("cameras-panel")));
                assertThat(session(browser)).isEqualTo(analyst.plaintext());
                assertThat(browser.getCurrentUrl()).isEqualTo(page).doesNotContain(analyst.plaintext());
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("connection"), "live: on"));

                // raj walks past demo-cam until the tile shows him boxed and the feed names him.
                FramePublisher frames = cluster.publisher(cluster.topics.frames());
                By tile = By.cssSelector("article.tile[data-camera='" + CAMERA + "']");
                By identified = By.cssSelector("#feed li.identification[data-subject='raj']");
                By alerted = By.cssSelector("#feed li.alert[data-subject='raj']");
                long started = System.nanoTime();
                long deadline = started + FIRST_RESULT.toNanos();
                boolean seen = false;
                for (int sequence = 1; sequence <= 300 && !seen && System.nanoTime() < deadline; sequence++) {
                    frames.publish(FramePublisher.frame(CAMERA, sequence, raj));
                    seen = poll(() -> streaming(browser, tile) && !browser.findElements(identified).isEmpty()
                            && !browser.findElements(alerted).isEmpty(), Duration.ofMillis(500));
                }
                assertThat(seen).as("within %s: demo-cam's video with a face, raj's identification and alert; page: %s",
                        FIRST_RESULT, browser.findElement(By.tagName("body")).getText()).isTrue();
                System.out.printf("dashboard: demo-cam's boxed video, raj's identification and alert shown %d ms after the first frame%n",
                        Duration.ofNanos(System.nanoTime() - started).toMillis());
                WebElement camera = browser.findElement(tile);
                assertThat(camera.getDomAttribute("data-video-faces")).isEqualTo("1");
                assertThat(camera.findElement(By.cssSelector("img.frame")).getDomAttribute("src")).startsWith("data:image/jpeg;base64,/9j/");
                assertThat(camera.findElement(By.cssSelector(".last-result")).getText()).matches("(?s)frame \\d+: 1 face\\(s\\) \\[\\d+x\\d+ raj\\]");
                assertThat(browser.findElement(alerted).getText()).contains("WATCHLIST raj at demo-cam");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("health"), "health: ok"));

                // 1280x800: the camera grid and the side panels sit side by side inside the window.
                Rectangle grid = browser.findElement(By.id("cameras-panel")).getRect();
                Rectangle feed = browser.findElement(By.id("feed")).getRect();
                assertThat(grid.getX() + grid.getWidth()).isLessThanOrEqualTo(feed.getX());
                assertThat(feed.getX() + feed.getWidth()).isLessThanOrEqualTo(1280);
                Path screenshot = Path.of("target", "dashboard.png");
                Files.createDirectories(screenshot.getParent());
                Files.write(screenshot, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

                List<String> refused = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .map(LogEntry::getMessage).filter(m -> m.contains("Content Security Policy")).toList();
                assertThat(refused).as("Content-Security-Policy violations").isEmpty();
            } finally {
                browser.quit();
            }
            cluster.flink.cancel(job.getJobID()); // bounded: waits until CANCELED, at most a minute
        }
    }

    /** Headless Debian Chromium through /usr/bin/chromedriver (Selenium Manager never runs), 1280x800. */
    static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File("/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,800", "--no-first-run", "--disable-extensions", "--remote-allow-origins=*");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        return driver;
    }

    private static void signIn(WebDriver browser, String key) {
        WebElement field = browser.findElement(By.id("api-key"));
        field.clear();
        field.sendKeys(key);
        browser.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    }

    private static Object session(WebDriver browser) {
        return ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('biostream.apiKey')");
    }

    private static boolean streaming(WebDriver browser, By tile) {
        List<WebElement> tiles = browser.findElements(tile);
        return !tiles.isEmpty() && tiles.get(0).getDomAttribute("class").contains("streaming")
                && "1".equals(tiles.get(0).getDomAttribute("data-video-faces"));
    }

    /** Checks {@code condition} every 100 ms until it holds or {@code within} passes. */
    private static boolean poll(java.util.function.BooleanSupplier condition, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        do {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < end);
        return condition.getAsBoolean();
    }
}
