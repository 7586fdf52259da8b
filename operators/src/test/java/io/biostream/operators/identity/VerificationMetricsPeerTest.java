package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.operators.vision.Goldens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The figures computed here from the JavaScript peer's own descriptors equal the figures the peer
 * published for them (goldens/peer/*.metrics.json), so both sides measure the same way.
 */
class VerificationMetricsPeerTest {

    @ParameterizedTest
    @ValueSource(strings = {"bbt", "orl_att"})
    void givesThePeersFiguresForThePeersDescriptors(String set) throws Exception {
        Path descriptorsFile = SharedFolder.resolve("goldens/peer/" + set + ".descriptors.json");
        List<String> identities = new ArrayList<>();
        List<float[]> descriptors = new ArrayList<>();
        for (JsonNode image : Goldens.json(descriptorsFile).get("images")) {
            identities.add(image.get("identity").asText());
            descriptors.add(Goldens.floats(image.get("face").get("descriptor")));
        }
        JsonNode want = Goldens.json(SharedFolder.resolve("goldens/peer/" + set + ".metrics.json")).get("metrics");
        VerificationMetrics metrics = VerificationPairs.of(identities, descriptors).metrics();

        assertThat(metrics.samePairs()).isEqualTo(want.get("samePairs").asInt());
        assertThat(metrics.differentPairs()).isEqualTo(want.get("diffPairs").asInt());
        double fixed = want.get("atFixed").get("threshold").asDouble();
        assertThat(metrics.accuracyAt(fixed)).isCloseTo(want.get("atFixed").get("accuracyAllPairs").asDouble(), within(1e-9));
        assertThat(metrics.bestAccuracy().accuracy()).isCloseTo(want.get("best").get("accuracyAllPairs").asDouble(), within(1e-9));
        // Several threshold intervals can reach the best accuracy (ORL: the peer picked a later one), so
        // check that the peer's threshold reaches it here too rather than comparing thresholds.
        assertThat(metrics.accuracyAt(want.get("best").get("threshold").asDouble()))
                .isCloseTo(metrics.bestAccuracy().accuracy(), within(1e-12));
        assertThat(metrics.auc()).isCloseTo(want.get("auc").asDouble(), within(1e-9));
        assertThat(metrics.eer()).isCloseTo(want.get("eer").get("eer").asDouble(), within(1e-9));
        for (JsonNode tar : want.get("tarAtFar")) {
            VerificationMetrics.TarAtFar got = metrics.tarAtFar(tar.get("far").asDouble());
            assertThat(got.available()).isEqualTo(tar.get("available").asBoolean());
            assertThat(got.tar()).as("TAR at FAR " + tar.get("far")).isCloseTo(tar.get("TAR").asDouble(), within(1e-9));
            assertThat(got.allowedFalseAccepts()).isEqualTo(tar.get("allowedFalseAccepts").asInt());
        }
    }
}
