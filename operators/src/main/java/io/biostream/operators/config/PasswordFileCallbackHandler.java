package io.biostream.operators.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.security.authenticator.SaslClientCallbackHandler;

/**
 * Kafka's SASL client callback handler, with the password read from the file named by the JAAS
 * option {@value KafkaConnection#PASSWORD_FILE_OPTION} each time the client authenticates,
 * instead of from the JAAS text: the password stays in its (owner-only, or mounted secret) file on
 * the machine that runs the client, and a rotated file is used on the next connection.
 */
public final class PasswordFileCallbackHandler extends SaslClientCallbackHandler {
    private Path passwordFile;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        super.configure(configs, saslMechanism, jaasConfigEntries);
        for (AppConfigurationEntry entry : jaasConfigEntries) {
            Object file = entry.getOptions().get(KafkaConnection.PASSWORD_FILE_OPTION);
            if (file instanceof String path) {
                passwordFile = Path.of(path);
            }
        }
        if (passwordFile == null) {
            throw new KafkaException("sasl.jaas.config names no " + KafkaConnection.PASSWORD_FILE_OPTION
                    + " for " + PasswordFileCallbackHandler.class.getSimpleName());
        }
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof PasswordCallback password) {
                char[] secret;
                try {
                    secret = KafkaConnection.readPassword(passwordFile);
                } catch (IOException e) {
                    throw new KafkaException(e.getMessage(), e);
                }
                password.setPassword(secret);
                Arrays.fill(secret, '\0');
            } else {
                super.handle(new Callback[] {callback});
            }
        }
    }
}
