package io.biostream.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void defaultsAreTheDesignedNames() {
        assertThat(Topics.defaults().names()).containsExactly(
                "biostream.frames", "biostream.results", "biostream.templates",
                "biostream.control", "biostream.audit", "biostream.dlq", "biostream.keys", "biostream.analytics");
    }

    @Test
    void settingsReplaceSomeNamesAndKeepTheOtherDefaults() {
        Topics topics = Topics.from(Settings.of(Map.of("biostream.topics.frames", " site-a.frames ", "unrelated.key", "x")));

        assertThat(topics.frames()).isEqualTo("site-a.frames");
        assertThat(topics.results()).isEqualTo("biostream.results");
        assertThat(topics.dlq()).isEqualTo("biostream.dlq");
    }

    @Test
    void refusesIllegalOrDuplicateNames() {
        assertThatThrownBy(() -> Topics.from(Settings.of(Map.of("biostream.topics.audit", "audit log"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("audit");
        assertThatThrownBy(() -> Topics.from(Settings.of(Map.of("biostream.topics.results", "biostream.frames"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ");
    }

    @Test
    void layoutPartitionsTheCameraStreamsAndCompactsTemplates() {
        Topics names = Topics.defaults();
        Map<String, NewTopic> topics = byName(names.newTopics());

        assertThat(topics).containsOnlyKeys(names.names());
        assertThat(topics.get(names.frames()).numPartitions()).isEqualTo(Topics.DEFAULT_STREAM_PARTITIONS);
        assertThat(topics.get(names.results()).numPartitions()).isEqualTo(Topics.DEFAULT_STREAM_PARTITIONS);
        assertThat(topics.get(names.analytics()).numPartitions()).isEqualTo(Topics.DEFAULT_STREAM_PARTITIONS);
        assertThat(topics.get(names.control()).numPartitions()).isEqualTo(1);
        assertThat(topics.get(names.audit()).numPartitions()).isEqualTo(1);
        assertThat(topics.values()).allSatisfy(topic -> assertThat(topic.replicationFactor()).isEqualTo((short) 1));
        // Templates: compacted (erasure tombstones) and deleted after the default retention (30 days).
        assertThat(topics.get(names.templates()).configs()).containsEntry("cleanup.policy", "compact,delete")
                .containsEntry("retention.ms", Long.toString(java.time.Duration.ofDays(30).toMillis()));
        assertThat(topics.get(names.results()).configs()).containsEntry("retention.ms", Long.toString(java.time.Duration.ofDays(30).toMillis()));
        // Frames carry faces in clear: kept one day.
        assertThat(topics.get(names.frames()).configs()).containsEntry("retention.ms", Long.toString(java.time.Duration.ofDays(1).toMillis()));
        // Data keys: one partition, compacted within an hour so a destroyed key's record leaves the log.
        assertThat(topics.get(names.keys()).numPartitions()).isEqualTo(1);
        assertThat(topics.get(names.keys()).configs()).containsEntry("cleanup.policy", "compact")
                .containsEntry("max.compaction.lag.ms", Long.toString(java.time.Duration.ofHours(1).toMillis()));
        assertThat(topics.get(names.audit()).configs()).containsEntry("retention.ms", "-1");
        // The control topic is replayed from its start by every reader: never expired, never compacted.
        assertThat(topics.get(names.control()).configs()).containsEntry("retention.ms", "-1")
                .containsEntry("retention.bytes", "-1").doesNotContainKey("cleanup.policy");
    }

    @Test
    void framesAndDeadLettersAcceptTheLargestFrame() {
        Topics names = Topics.defaults();
        int maxFrameBytes = 3 * 1024 * 1024;
        Map<String, NewTopic> topics = byName(names.newTopics(4, maxFrameBytes));

        assertThat(topics.get(names.frames()).numPartitions()).isEqualTo(4);
        for (String topic : List.of(names.frames(), names.dlq())) {
            assertThat(Integer.parseInt(topics.get(topic).configs().get("max.message.bytes")))
                    .as(topic).isGreaterThan(maxFrameBytes);
        }
    }

    @Test
    void refusesNonsenseSizes() {
        assertThatThrownBy(() -> Topics.defaults().newTopics(0, Topics.DEFAULT_MAX_FRAME_BYTES))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Topics.defaults().newTopics(2, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Map<String, NewTopic> byName(List<NewTopic> topics) {
        return topics.stream().collect(Collectors.toMap(NewTopic::name, Function.identity()));
    }
}
