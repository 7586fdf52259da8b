package io.biostream.api;

import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.ImageUploads;

/** The handlers of the identity routes, on one set of services. */
record IdentityRoutes(SubjectHandlers subjects, EnrollmentHandler enrollment, MatchHandlers matching,
                      AnnotateHandler annotate, SessionHandlers sessions, SettingsHandlers settings) {

    IdentityRoutes(IdentityServices identity, ImageUploads uploads, IdentityAudit audit) {
        this(new SubjectHandlers(identity, audit), new EnrollmentHandler(identity, uploads, audit),
                new MatchHandlers(identity, uploads, audit), new AnnotateHandler(identity, uploads, audit),
                new SessionHandlers(identity, audit), new SettingsHandlers(identity, audit));
    }
}
