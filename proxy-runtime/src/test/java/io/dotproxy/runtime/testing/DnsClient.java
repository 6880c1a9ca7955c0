package io.dotproxy.runtime.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.DClass;
import org.xbill.DNS.TextParseException;

/**
 * A deliberately dumb DNS client over UDP, TCP and TLS that sends exactly the bytes a test gives it,
 * so tests can send hand-crafted or malformed packets, pipeline many queries on one connection,
 * split a message over several writes, and observe how the server closes. Unlike dnsjava's resolvers it
 * never retries, never validates IDs and never falls back to TCP.
 *
 * <p>All reads take an explicit timeout and throw {@link SocketTimeoutException} when it expires.
 */
public final class DnsClient {

    private static final AtomicInteger NEXT_ID = new AtomicInteger(new java.util.Random().nextInt(0x10000));

    private DnsClient() {
    }

    /**
     * A recursion-desired query without EDNS. IDs come from a counter with a random start rather than
     * dnsjava's random IDs, so up to 65536 consecutive queries (e.g. one pipelined batch) never share an ID.
     */
    public static Message query(String name, int type) {
        try {
            Message query = Message.newQuery(Record.newRecord(Name.fromString(absolute(name)), type, DClass.IN));
            query.getHeader().setID(NEXT_ID.getAndIncrement() & 0xFFFF);
            return query;
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad name " + name, e);
        }
    }

    /** Like {@link #query} with an EDNS OPT record advertising {@code udpPayloadSize}. */
    public static Message queryWithEdns(String name, int type, int udpPayloadSize) {
        Message message = query(name, type);
        message.addRecord(new OPTRecord(udpPayloadSize, 0, 0), org.xbill.DNS.Section.ADDITIONAL);
        return message;
    }

    /** Parses wire bytes, rethrowing dnsjava's checked exception unchecked for brevity in tests. */
    public static Message parse(byte[] wire) {
        try {
            return new Message(wire);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a DNS message (" + wire.length + " bytes)", e);
        }
    }

    public static Udp udp(InetSocketAddress server) throws IOException {
        return new Udp(server);
    }

    public static Stream tcp(InetSocketAddress server) throws IOException {
        return new Stream(connect(server));
    }

    /**
     * A DoT connection. The handshake happens here, so a certificate the context does not trust fails
     * this call with an {@link javax.net.ssl.SSLHandshakeException}.
     *
     * @param hostname name to verify the certificate against (also sent as SNI when it is not an IP
     *                 literal), or {@code null} to check only the chain
     */
    public static Stream tls(InetSocketAddress server, SSLContext context, String hostname) throws IOException {
        return tls(server, context, hostname, Duration.ofSeconds(5));
    }

    /** Like {@link #tls(InetSocketAddress, SSLContext, String)}, failing if the handshake takes longer than {@code handshakeTimeout}. */
    public static Stream tls(InetSocketAddress server, SSLContext context, String hostname, Duration handshakeTimeout)
            throws IOException {
        Socket plain = connect(server);
        String peer = hostname != null ? hostname : server.getHostString();
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, peer, server.getPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        if (hostname != null) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        tls.setSSLParameters(parameters);
        tls.setSoTimeout(millis(handshakeTimeout));
        try {
            tls.startHandshake();
        } catch (IOException e) {
            tls.close();
            throw e;
        }
        return new Stream(tls);
    }

    /** Tests talk to servers on this machine only; a non-loopback target is a bug in the test. */
    private static InetSocketAddress requireLoopback(InetSocketAddress server) {
        if (server.getAddress() == null || !server.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("DnsClient only talks to loopback addresses, not " + server);
        }
        return server;
    }

    private static Socket connect(InetSocketAddress server) throws IOException {
        requireLoopback(server);
        Socket socket = new Socket();
        try {
            // No Nagle: split writes must leave as separate segments, and latency tests stay honest.
            socket.setTcpNoDelay(true);
            socket.connect(server, 5_000);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static int millis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** A connected UDP socket: one datagram per {@link #send}. */
    public static final class Udp implements AutoCloseable {

        private final DatagramSocket socket;

        private Udp(InetSocketAddress server) throws IOException {
            socket = new DatagramSocket();
            socket.connect(requireLoopback(server));
        }

        public void send(byte[] datagram) throws IOException {
            socket.send(new DatagramPacket(datagram, datagram.length));
        }

        /** The next datagram, whatever it contains. */
        public byte[] receive(Duration timeout) throws IOException {
            byte[] buffer = new byte[65_535];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            socket.setSoTimeout(millis(timeout));
            socket.receive(packet);
            return Arrays.copyOf(buffer, packet.getLength());
        }

        public Message exchange(Message query, Duration timeout) throws IOException {
            send(query.toWire());
            return parse(receive(timeout));
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** A TCP or TLS connection using RFC 1035/7858 two-byte length framing. */
    public static final class Stream implements AutoCloseable {

        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;

        private Stream(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new DataInputStream(socket.getInputStream());
        }

        /** Sends one length-prefixed message in a single write. */
        public void send(byte[] message) throws IOException {
            sendRaw(frame(message));
        }

        /** Sends bytes exactly as given: for bad length prefixes and other framing faults. */
        public void sendRaw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Sends one length-prefixed message as writes of {@code chunkSize} bytes, pausing between them. */
        public void sendSplit(byte[] message, int chunkSize, Duration pause) throws IOException {
            byte[] framed = frame(message);
            for (int offset = 0; offset < framed.length; offset += chunkSize) {
                if (offset > 0) {
                    sleep(pause);
                }
                out.write(framed, offset, Math.min(chunkSize, framed.length - offset));
                out.flush();
            }
        }

        /** Reads one length-prefixed message and returns its payload. */
        public byte[] receive(Duration timeout) throws IOException {
            socket.setSoTimeout(millis(timeout));
            int length = in.readUnsignedShort();
            byte[] payload = new byte[length];
            in.readFully(payload);
            return payload;
        }

        /** Reads exactly {@code count} bytes of the stream, ignoring framing: for garbage and partial frames. */
        public byte[] receiveRaw(int count, Duration timeout) throws IOException {
            socket.setSoTimeout(millis(timeout));
            byte[] bytes = new byte[count];
            in.readFully(bytes);
            return bytes;
        }

        public Message exchange(Message query, Duration timeout) throws IOException {
            send(query.toWire());
            return parse(receive(timeout));
        }

        /**
         * Writes all queries in one go (so they are pipelined, not sent one per round trip) and reads
         * as many responses, in arrival order. Matching responses to queries by ID is left to the test.
         */
        public List<Message> pipeline(List<Message> queries, Duration timeout) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Message query : queries) {
                all.writeBytes(frame(query.toWire()));
            }
            sendRaw(all.toByteArray());
            List<Message> responses = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (responses.size() < queries.size()) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                responses.add(parse(receive(Duration.ofMillis(left))));
            }
            return responses;
        }

        /**
         * Waits until the server closes the connection (EOF or reset), discarding anything it sends
         * meanwhile. Returns false if it is still open after {@code timeout}.
         */
        public boolean awaitClosedByPeer(Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] sink = new byte[4096];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) left);
                try {
                    if (in.read(sink) < 0) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (EOFException | SocketException | javax.net.ssl.SSLException e) {
                    return true; // reset, or TLS closed without close_notify
                }
            }
        }

        /** The TLS session, or null for plain TCP. */
        public SSLSession tlsSession() {
            return socket instanceof SSLSocket tls ? tls.getSession() : null;
        }

        public InetSocketAddress localAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }

        private static byte[] frame(byte[] message) {
            if (message.length > 0xFFFF) {
                throw new IllegalArgumentException("message too long for a two-byte length: " + message.length);
            }
            byte[] framed = new byte[message.length + 2];
            framed[0] = (byte) (message.length >>> 8);
            framed[1] = (byte) message.length;
            System.arraycopy(message, 0, framed, 2, message.length);
            return framed;
        }

        private static void sleep(Duration pause) throws IOException {
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
    }

    /** Convenience: the query type as a dnsjava constant, e.g. {@code type("AAAA")}. */
    public static int type(String mnemonic) {
        int type = Type.value(mnemonic);
        if (type < 0) {
            throw new IllegalArgumentException("unknown type " + mnemonic);
        }
        return type;
    }

    /**
     * The character-strings of a TXT record, unquoted. (dnsjava's {@code getStrings()} returns them
     * in presentation format, i.e. with quotes.)
     */
    public static List<String> txtStrings(Record record) {
        return ((org.xbill.DNS.TXTRecord) record).getStringsAsByteArrays().stream()
                .map(bytes -> new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)).toList();
    }

    /** True when the header has the TC bit. */
    public static boolean truncated(Message message) {
        return message.getHeader().getFlag(Flags.TC);
    }
}
