package io.dotproxy.operator.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Calls the webhook the way kube-apiserver does: TCP to the Service's endpoint (here loopback), TLS with
 * SNI and host-name verification for {@code <service>.<namespace>.svc}, trusting only the caBundle of
 * the webhook configuration. Each call is a new connection and a full handshake.
 */
public final class WebhookClient {

  private final int port;
  private final String serverName;
  private final String caBundlePem;

  public WebhookClient(int port, String serverName, String caBundlePem) {
    this.port = port;
    this.serverName = serverName;
    this.caBundlePem = caBundlePem;
  }

  /** Whether anything accepts TCP connections on loopback {@code port}, e.g. whether the webhook still listens. */
  public static boolean accepts(int port) {
    try (Socket tcp = new Socket()) {
      tcp.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** An HTTP answer and the certificate the server presented. */
  public record Reply(int status, String body, X509Certificate serverCertificate) {}

  public Reply post(String path, byte[] body) {
    try (Socket tcp = new Socket()) {
      tcp.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      tcp.setSoTimeout(10_000);
      try (SSLSocket tls = (SSLSocket) sslContext().getSocketFactory().createSocket(tcp, serverName, port, true)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        X509Certificate presented = (X509Certificate) tls.getSession().getPeerCertificates()[0];
        OutputStream out = tls.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\n"
            + "Host: " + serverName + ":443\r\n"
            + "Content-Type: application/json\r\n"
            + "Accept: application/json, */*\r\n"
            + "Content-Length: " + body.length + "\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return parse(tls.getInputStream(), presented);
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("webhook call failed: " + e, e);
    }
  }

  private SSLContext sslContext() throws GeneralSecurityException, IOException {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    int i = 0;
    for (Certificate ca : CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(caBundlePem.getBytes(StandardCharsets.US_ASCII)))) {
      trusted.setCertificateEntry("ca-" + i++, ca);
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  private static Reply parse(InputStream in, X509Certificate presented) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    in.transferTo(all);
    String response = all.toString(StandardCharsets.UTF_8);
    int headerEnd = response.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
      throw new IOException("incomplete HTTP response: " + response);
    }
    String statusLine = response.substring(0, response.indexOf("\r\n"));
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    return new Reply(status, response.substring(headerEnd + 4), presented);
  }
}
