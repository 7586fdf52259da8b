package io.biostream.operators.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.internals.Topic;

/**
 * The Kafka topic names biostream uses, with the defaults of docs/DESIGN.md, and the layout each
 * topic is created with.
 *
 * @param frames    camera frames in (key: cameraId)
 * @param results   one FrameResult per frame, written exactly once (key: cameraId)
 * @param templates encrypted templates, compacted (key: faceId; tombstone on erasure)
 * @param control   enroll / erase / config events, broadcast into the job
 * @param audit     hash-chained audit events
 * @param dlq       dead letters: bad input with a reason code
 * @param keys      wrapped template data keys, compacted (key: keyId; tombstone on destruction)
 * @param analytics closed analytics windows per camera (CameraAnalytics), written exactly once (key: cameraId)
 */
public record Topics(String frames, String results, String templates, String control, String audit, String dlq, String keys,
                     String analytics)
        implements java.io.Serializable {

    /** Settings key prefix: {@code biostream.topics.frames} names the frames topic, and so on. */
    public static final String SETTINGS_PREFIX = "biostream.topics.";

    /** Partitions of the per-camera streams (frames, results) unless told otherwise. */
    public static final int DEFAULT_STREAM_PARTITIONS = 2;

    /** Largest encoded image a frame may carry unless told otherwise (DESIGN.md: 8 MiB). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

    /** Frames carry faces in clear (the images): kept one day, long enough to reprocess after an outage. */
    static final long FRAMES_RETENTION_MS = Duration.ofDays(1).toMillis();
    /** Results and templates: the default retention of faces of people not enrolled (30 days). */
    static final long RESULTS_RETENTION_MS = Duration.ofDays(30).toMillis();
    /** Dead letters keep (capped) original bytes: a week to diagnose. */
    static final long DLQ_RETENTION_MS = Duration.ofDays(7).toMillis();
    /** A destroyed data key's old record is compacted away within this (the log rolls and compacts at least hourly). */
    static final long KEYS_COMPACTION_LAG_MS = Duration.ofHours(1).toMillis();

    /** Room for a frame's other fields and attributes, and a dead letter's reason, on top of the image. */
    static final int RECORD_ENVELOPE_BYTES = 1024 * 1024;

    public Topics {
        List<String> names = List.of(
                requireName("frames", frames), requireName("results", results),
                requireName("templates", templates), requireName("control", control),
                requireName("audit", audit), requireName("dlq", dlq), requireName("keys", keys),
                requireName("analytics", analytics));
        if (new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("topic names must differ: " + names);
        }
    }

    public static Topics defaults() {
        return new Topics("biostream.frames", "biostream.results", "biostream.templates",
                "biostream.control", "biostream.audit", "biostream.dlq", "biostream.keys", "biostream.analytics");
    }

    /**
     * The defaults, each replaced by the {@code biostream.topics.<role>} entry of {@code settings}
     * where one is present (for example from Flink's config.yaml).
     */
    public static Topics from(Settings settings) {
        Topics d = defaults();
        return new Topics(
                setting(settings, "frames", d.frames()), setting(settings, "results", d.results()),
                setting(settings, "templates", d.templates()), setting(settings, "control", d.control()),
                setting(settings, "audit", d.audit()), setting(settings, "dlq", d.dlq()),
                setting(settings, "keys", d.keys()), setting(settings, "analytics", d.analytics()));
    }

    /** Every topic name, frames first. */
    public List<String> names() {
        return List.of(frames, results, templates, control, audit, dlq, keys, analytics);
    }

    /** The topics to create, with the default partitions and frame size. */
    public List<NewTopic> newTopics() {
        return newTopics(DEFAULT_STREAM_PARTITIONS, DEFAULT_MAX_FRAME_BYTES);
    }

    /**
     * The topics to create on a single-broker cluster (replication factor 1).
     *
     * @param streamPartitions partitions of frames and results, the streams the job reads and
     *                         writes in parallel; per-camera order holds within a partition
     * @param maxFrameBytes    largest encoded image a frame may carry; frames and dead letters
     *                         (which keep the original bytes) accept records that large
     */
    public List<NewTopic> newTopics(int streamPartitions, int maxFrameBytes) {
        if (streamPartitions < 1) {
            throw new IllegalArgumentException("stream partitions must be at least 1: " + streamPartitions);
        }
        if (maxFrameBytes < 1 || maxFrameBytes > Integer.MAX_VALUE - RECORD_ENVELOPE_BYTES) {
            throw new IllegalArgumentException("max frame bytes out of range: " + maxFrameBytes);
        }
        String maxRecordBytes = Integer.toString(maxFrameBytes + RECORD_ENVELOPE_BYTES);
        short one = 1;
        return List.of(
                new NewTopic(frames, streamPartitions, one).configs(Map.of("max.message.bytes", maxRecordBytes,
                        "retention.ms", Long.toString(FRAMES_RETENTION_MS))),
                new NewTopic(results, streamPartitions, one).configs(Map.of("retention.ms", Long.toString(RESULTS_RETENTION_MS))),
                // Compacted (an erasure tombstones a template) and deleted after the retention.
                new NewTopic(templates, 1, one).configs(Map.of("cleanup.policy", "compact,delete",
                        "retention.ms", Long.toString(RESULTS_RETENTION_MS))),
                // One partition keeps a single order: control events are applied in the order
                // they were issued, and the audit log is one hash chain. The control topic is the
                // record of subjects, enrollments and settings (replayed from the start): kept forever.
                new NewTopic(control, 1, one).configs(Map.of("retention.ms", "-1", "retention.bytes", "-1")),
                new NewTopic(audit, 1, one).configs(Map.of("retention.ms", "-1", "retention.bytes", "-1")),
                new NewTopic(dlq, 1, one).configs(Map.of("max.message.bytes", maxRecordBytes,
                        "retention.ms", Long.toString(DLQ_RETENTION_MS))),
                // Wrapped data keys: one partition, compacted, and compacted soon, so that a
                // destroyed key's record leaves the log within about an hour.
                new NewTopic(keys, 1, one).configs(Map.of("cleanup.policy", "compact",
                        "segment.ms", Long.toString(KEYS_COMPACTION_LAG_MS),
                        "max.compaction.lag.ms", Long.toString(KEYS_COMPACTION_LAG_MS),
                        "min.cleanable.dirty.ratio", "0.01",
                        "delete.retention.ms", Long.toString(Duration.ofDays(1).toMillis()))),
                // Counts per camera, no faces: kept like the results.
                new NewTopic(analytics, streamPartitions, one).configs(Map.of("retention.ms", Long.toString(RESULTS_RETENTION_MS))));
    }

    private static String setting(Settings settings, String role, String fallback) {
        return settings.get(SETTINGS_PREFIX + role, fallback);
    }

    private static String requireName(String role, String name) {
        Objects.requireNonNull(name, role + " topic name");
        if (!Topic.isValid(name)) {
            throw new IllegalArgumentException(role + " topic name is not a legal Kafka topic name: '" + name + "'");
        }
        return name;
    }
}
