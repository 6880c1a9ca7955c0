package io.dotproxy.runtime;

import io.dotproxy.runtime.testing.DnsClient;
import io.dotproxy.runtime.testing.RunningProxy;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.Message;

/**
 * DNS clients bound to a chosen loopback source address (all of 127.0.0.0/8 is local on Linux), so
 * one test can be several clients, and a reader of the proxy's Prometheus endpoint.
 */
final class LoopbackClient {

  private LoopbackClient() {}

  /** A UDP socket bound to {@code source} (any port) and connected to {@code server}. */
  static DatagramSocket udpFrom(String source, InetSocketAddress server) throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress(loopback(source), 0));
    socket.connect(server);
    return socket;
  }

  static Message exchange(DatagramSocket socket, Message query, Duration timeout) throws IOException {
    byte[] wire = query.toWire();
    socket.send(new DatagramPacket(wire, wire.length));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      byte[] buffer = new byte[65535];
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      socket.setSoTimeout((int) left);
      socket.receive(packet); // throws SocketTimeoutException at the deadline
      Message answer = DnsClient.parse(Arrays.copyOf(buffer, packet.getLength()));
      if (answer.getHeader().getID() == query.getHeader().getID()) {
        return answer;
      }
    }
  }

  /** A TCP connection from {@code source} to {@code server}, with DNS's two-byte framing. */
  static final class Tcp implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;

    Tcp(String source, InetSocketAddress server, Duration readTimeout) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.bind(new InetSocketAddress(loopback(source), 0));
      socket.connect(server, 5_000);
      socket.setSoTimeout((int) readTimeout.toMillis());
      out = new DataOutputStream(socket.getOutputStream());
      in = new DataInputStream(socket.getInputStream());
    }

    void send(Message query) throws IOException {
      byte[] wire = query.toWire();
      out.writeShort(wire.length);
      out.write(wire);
      out.flush();
    }

    Message receive() throws IOException {
      byte[] wire = new byte[in.readUnsignedShort()];
      in.readFully(wire);
      return DnsClient.parse(wire);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** The value of one sample of the proxy's {@code /metrics}, e.g. {@code dotproxy_ratelimited_total}. */
  static double metric(RunningProxy proxy, String sample) throws Exception {
    return proxy.metric(sample);
  }

  private static InetAddress loopback(String address) throws IOException {
    InetAddress parsed = InetAddress.getByName(address);
    if (!parsed.isLoopbackAddress()) {
      throw new IllegalArgumentException("tests use loopback sources only, not " + address);
    }
    return parsed;
  }
}
