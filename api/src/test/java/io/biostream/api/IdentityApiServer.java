package io.biostream.api;

import io.biostream.api.audit.AuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.InMemoryControlLog;
import io.biostream.api.identity.SharedVision;
import io.biostream.api.state.IdentityStateReader;
import io.biostream.operators.crypto.TemplateCipher;

/**
 * The identity route tests' server: the API with its identity services over an in-memory control
 * log and identity state, the shared face pipeline, and no camera results. Closing it stops the
 * server and releases the search gallery.
 */
final class IdentityApiServer implements AutoCloseable {
    final IdentityServices identity;
    final ApiServer server;

    private IdentityApiServer(IdentityServices identity, ApiServer server) {
        this.identity = identity;
        this.server = server;
    }

    static IdentityApiServer start(ApiConfig config, ApiKeyStore keys, TemplateCipher cipher, AuditTrail audit,
                                   InMemoryControlLog control, IdentityStateReader state) throws Exception {
        IdentityServices identity = IdentityServices.create(control.auditTo(audit.sink()), cipher, SharedVision.get(), state);
        return new IdentityApiServer(identity,
                ApiServer.start(config, keys, new InMemoryCameraState(), cipher, audit, identity));
    }

    @Override
    public void close() {
        server.stop();
        identity.gallery().close();
    }
}
