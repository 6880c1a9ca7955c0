import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The DNS-over-TLS upstream of the proxy's class-data training run (docker/train-proxy-cds.sh), so
 * that the archive holds the classes of a real handshake (certificate path and host name checks) and
 * of a real answer, as the first query of a pod needs them. A single-file program for the build
 * stage's JDK: {@code java TrainingUpstream.java PORT KEYSTORE.p12 PASSWORD}.
 *
 * <p>It listens on 127.0.0.1 only and answers every A question with 192.0.2.1 (TTL 300), every
 * other question with no records, over as many pipelined queries and connections as come.
 */
public final class TrainingUpstream {

  private static final int HEADER = 12;

  public static void main(String[] args) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(args[1])) {
      keys.load(in, args[2].toCharArray());
    }
    KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    managers.init(keys, args[2].toCharArray());
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(managers.getKeyManagers(), null, null);
    try (SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory()
        .createServerSocket(Integer.parseInt(args[0]), 50, InetAddress.getLoopbackAddress())) {
      System.out.println("training upstream on " + server.getLocalSocketAddress());
      while (true) {
        Socket connection = server.accept();
        // one thread per connection: the training run opens a handful
        Thread thread = new Thread(() -> serve(connection), "dot-connection");
        thread.setDaemon(true);
        thread.start();
      }
    }
  }

  private static void serve(Socket connection) {
    try (connection) {
      DataInputStream in = new DataInputStream(connection.getInputStream());
      DataOutputStream out = new DataOutputStream(connection.getOutputStream());
      while (true) {
        byte[] query = new byte[in.readUnsignedShort()];
        in.readFully(query);
        byte[] answer = answer(query);
        out.writeShort(answer.length);
        out.write(answer);
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      // the proxy closed the connection, or sent something that is not a query: drop it
    }
  }

  /** The query's header and question, and one A record when it asks for A. */
  static byte[] answer(byte[] query) {
    int end = HEADER;
    while (query[end] != 0) {
      end += (query[end] & 0xff) + 1;
    }
    end += 5; // the root label, QTYPE, QCLASS
    boolean asksA = query[end - 4] == 0 && query[end - 3] == 1;
    byte[] record = {(byte) 0xc0, HEADER, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, (byte) 192, 0, 2, 1};
    byte[] answer = new byte[end + (asksA ? record.length : 0)];
    System.arraycopy(query, 0, answer, 0, end);
    answer[2] = (byte) (0x80 | (query[2] & 0x01)); // QR, and RD as asked
    answer[3] = (byte) 0x80; // RA, NOERROR
    answer[7] = (byte) (asksA ? 1 : 0); // ANCOUNT
    answer[8] = answer[9] = answer[10] = answer[11] = 0; // no NSCOUNT, ARCOUNT
    if (asksA) {
      System.arraycopy(record, 0, answer, end, record.length);
    }
    return answer;
  }
}
