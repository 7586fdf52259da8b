package io.biostream.operators.audit;

/**
 * The actions and actors the audit trail names. Actions are dotted strings in the schema (not an
 * enum) so that a reader on an older schema keeps the exact text the hash covers.
 */
public final class AuditActions {
    /** Decrypted biometric descriptors were handed to a caller. */
    public static final String DESCRIPTORS_READ = "biometric.descriptors.read";
    /** A subject was registered (metadata and consent; no biometric data yet). */
    public static final String SUBJECT_CREATE = "subject.create";
    /** Photos were offered for a subject's enrollment (details: how many were accepted). */
    public static final String SUBJECT_ENROLL = "subject.enroll";
    public static final String SUBJECT_ERASE = "subject.erase";
    /** Where and when a subject was seen was handed to a caller. */
    public static final String SIGHTINGS_READ = "subject.sightings.read";
    public static final String SUBJECT_EXPORT = "subject.export";
    public static final String CONFIG_CHANGE = "config.change";
    /** A photo was searched against the gallery (1:N). */
    public static final String SEARCH = "biometric.search";
    /** Two photos were compared (1:1). */
    public static final String VERIFY = "biometric.verify";
    /** A photo's faces, landmarks and mesh were drawn for a caller. */
    public static final String ANNOTATE = "biometric.annotate";
    /** A live video view of a camera opened (annotated frames of it pushed to an analyst). */
    public static final String VIDEO_VIEW = "biometric.video.view";
    public static final String SESSION_START = "session.start";
    public static final String SESSION_END = "session.end";
    public static final String KEY_ROTATION = "key.rotate";
    /** An admin issued an API key (details: key id, name, roles, permissions; never the key). */
    public static final String API_KEY_CREATE = "api.key.create";
    /** An admin revoked an API key (details: key id). */
    public static final String API_KEY_REVOKE = "api.key.revoke";
    /** An /api request refused with 401, 403 or 429 (rate limited). */
    public static final String REQUEST_DENIED = "api.request.denied";
    /** Control records refused (unsigned, forged, or refused by the projection), counted per interval. */
    public static final String CONTROL_REFUSED = "control.refused";
    /** A signed event written on demand (for example when the audit log closes), bounding the unsigned tail. */
    public static final String CHECKPOINT = "audit.checkpoint";

    /**
     * A signed event the writer appends when the tail it would continue is not its own: events
     * someone else appended, a record that does not decode, or a trail cut back before the last
     * signed head kept outside the topic. Details say why and which offsets it accounts for;
     * verification re-anchors at it and reports it.
     */
    public static final String BREAK = "audit.break";

    /** Actor of events the pipeline job raises. */
    public static final String ACTOR_JOB = "job";
    /** Actor of events biostream raises by itself (checkpoints). */
    public static final String ACTOR_SYSTEM = "system";
    /** Actor of a request that presented no valid API key. */
    public static final String ACTOR_ANONYMOUS = "anonymous";

    private AuditActions() {}
}
