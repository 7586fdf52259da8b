package io.biostream.launcher.local;

import io.biostream.operators.config.Topics;
import io.biostream.operators.functions.PipelineConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on the local broker (StandardAuthorizer; anything not granted here is refused,
 * the broker principal excepted). The job reads frames and control and writes results, templates,
 * dead letters and analytics; the API reads and writes control and audit; both use the keys topic. A camera
 * may only write frames. docs/security.md has the table.
 */
public final class KafkaAccess {
    private KafkaAccess() {}

    /** What the pipeline job needs: its sources, its exactly-once sink, the data key store. */
    public static List<AclBinding> job(PipelineConfig pipeline) {
        return job(pipeline.topics(), pipeline.groupId(), pipeline.transactionalIdPrefix());
    }

    /** {@link #job(PipelineConfig)} for these topics, consumer group (a prefix) and transactional id prefix. */
    public static List<AclBinding> job(Topics t, String groupId, String transactionalIdPrefix) {
        String user = user(KafkaCredentials.JOB);
        List<AclBinding> acls = new ArrayList<>();
        for (String topic : List.of(t.frames(), t.control())) {
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, user, AclOperation.READ));
        }
        for (String topic : List.of(t.results(), t.templates(), t.dlq(), t.analytics())) {
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, user, AclOperation.WRITE));
        }
        acls.add(allow(ResourceType.TOPIC, t.keys(), PatternType.LITERAL, user, AclOperation.READ));
        acls.add(allow(ResourceType.TOPIC, t.keys(), PatternType.LITERAL, user, AclOperation.WRITE));
        // The frames source commits its offsets under the group (the control source reads without committing).
        acls.add(allow(ResourceType.GROUP, groupId, PatternType.PREFIXED, user, AclOperation.READ));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, transactionalIdPrefix, PatternType.PREFIXED, user, AclOperation.WRITE));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, transactionalIdPrefix, PatternType.PREFIXED, user, AclOperation.DESCRIBE));
        acls.add(allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, user, AclOperation.IDEMPOTENT_WRITE));
        return acls;
    }

    /** What the API needs: the control topic it publishes to and follows, the audit trail, the data key store. */
    public static List<AclBinding> api(Topics t) {
        String user = user(KafkaCredentials.API);
        List<AclBinding> acls = new ArrayList<>();
        for (String topic : List.of(t.control(), t.audit(), t.keys())) {
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, user, AclOperation.READ));
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, user, AclOperation.WRITE));
        }
        // The live endpoint follows the results, and the frames while a video view is open.
        for (String topic : List.of(t.results(), t.frames())) {
            acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, user, AclOperation.READ));
        }
        // A control event and its audit event commit in one transaction of the audit writer.
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, "biostream-audit-", PatternType.PREFIXED, user, AclOperation.WRITE));
        acls.add(allow(ResourceType.TRANSACTIONAL_ID, "biostream-audit-", PatternType.PREFIXED, user, AclOperation.DESCRIBE));
        acls.add(allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, user, AclOperation.IDEMPOTENT_WRITE));
        return acls;
    }

    /** A camera: write to the frames topic (idempotently), nothing else. */
    public static List<AclBinding> camera(String cameraId, Topics t) {
        String user = user(KafkaCredentials.camera(cameraId));
        return List.of(
                allow(ResourceType.TOPIC, t.frames(), PatternType.LITERAL, user, AclOperation.WRITE),
                allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, user, AclOperation.IDEMPOTENT_WRITE));
    }

    static String user(String principal) {
        return "User:" + principal;
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String principal, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
