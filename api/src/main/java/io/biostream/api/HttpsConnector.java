package io.biostream.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.EnumSet;
import java.util.Set;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The API's only connector when TLS is configured: HTTPS with the PKCS12 keystore of
 * {@link TlsConfig}. Javalin adds its plain HTTP connector only when no connector is configured,
 * so with this one nothing is served in clear. The keystore is opened here, before the server
 * starts, so a wrong password or a bad file stops the start with a clear message.
 */
final class HttpsConnector {
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private final KeyStore keyStore;
    private final String password;

    private HttpsConnector(KeyStore keyStore, String password) {
        this.keyStore = keyStore;
        this.password = password;
    }

    static HttpsConnector open(TlsConfig tls) {
        String password = password(tls);
        KeyStore store;
        try (InputStream in = Files.newInputStream(tls.keystore())) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("invalid API configuration: the TLS keystore " + tls.keystore()
                    + " (" + TlsConfig.KEYSTORE + ") cannot be opened: " + e.getMessage(), e);
        }
        return new HttpsConnector(store, password);
    }

    /** The password from its file (which only its owner may read) or from the environment. */
    static String password(TlsConfig tls) {
        Path file = tls.passwordFile();
        if (file == null) {
            return tls.password();
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(OTHERS::contains)) {
                throw new IllegalArgumentException("invalid API configuration: " + TlsConfig.PASSWORD_FILE + " " + file
                        + " may be read or written by others; make it readable by its owner only (chmod 600)");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw new IllegalArgumentException("invalid API configuration: " + TlsConfig.PASSWORD_FILE + " " + file
                        + " is empty");
            }
            return text;
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid API configuration: " + TlsConfig.PASSWORD_FILE + " " + file
                    + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The connector Javalin's {@code jetty.addConnector} asks for. */
    Connector connector(Server server, HttpConfiguration http, String host, int port) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keyStore);
        ssl.setKeyStorePassword(password);
        HttpConfiguration https = new HttpConfiguration(http);
        https.addCustomizer(new SecureRequestCustomizer());
        ServerConnector connector = new ServerConnector(server,
                new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()), new HttpConnectionFactory(https));
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }
}
