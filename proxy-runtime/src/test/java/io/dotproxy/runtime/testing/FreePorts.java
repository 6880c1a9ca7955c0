package io.dotproxy.runtime.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Picks a loopback port that is currently free for both TCP and UDP (DNS servers need both), by
 * binding port 0 and then binding the same number for the other protocol. The port is released
 * before it is returned, so a caller that then fails to bind should pick again.
 */
public final class FreePorts {

    private FreePorts() {
    }

    public static int pick(boolean includingIpv6) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                port = tcp.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException("cannot bind any loopback port", e);
            }
            if (udpFree("127.0.0.1", port) && (!includingIpv6 || (tcpFree("::1", port) && udpFree("::1", port)))) {
                return port;
            }
        }
        throw new IllegalStateException("no loopback port free for TCP and UDP after 50 attempts");
    }

    private static boolean udpFree(String host, int port) {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), port))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean tcpFree(String host, int port) {
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
