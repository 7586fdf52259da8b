package io.biostream.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The /proc/net address parser the loopback checks rely on. */
class ListeningSocketsTest {

    @Test
    void parsesIpv4Loopback() throws Exception {
        assertThat(ListeningSockets.parseAddress("0100007F:1F90").toString()).isEqualTo("/127.0.0.1:8080");
    }

    @Test
    void parsesWildcardsAsWhatTheyAre() throws Exception {
        assertThat(ListeningSockets.parseAddress("00000000:0050").getAddress().isAnyLocalAddress()).isTrue();
        assertThat(ListeningSockets.parseAddress("00000000000000000000000000000000:0050").getAddress().isAnyLocalAddress()).isTrue();
    }

    @Test
    void parsesIpv4MappedIpv6Loopback() throws Exception {
        assertThat(ListeningSockets.parseAddress("0000000000000000FFFF00000100007F:2382").getAddress().getHostAddress())
                .isEqualTo("127.0.0.1");
    }

    @Test
    void parsesIpv6Loopback() throws Exception {
        assertThat(ListeningSockets.parseAddress("00000000000000000000000001000000:0050").getAddress().isLoopbackAddress()).isTrue();
        assertThat(ListeningSockets.parseAddress("00000000000000000000000001000000:0050").getAddress().getHostAddress())
                .isNotEqualTo("127.0.0.1");
    }
}
