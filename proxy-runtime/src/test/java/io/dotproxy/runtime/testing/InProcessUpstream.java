package io.dotproxy.runtime.testing;

import io.dotproxy.runtime.config.UpstreamSpec;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.transport.Transport;
import io.dotproxy.runtime.upstream.ConnectionLimits;
import io.dotproxy.runtime.upstream.Upstream;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The runtime's own {@link Upstream} to an in-test DoT server with a certificate of a fresh CA,
 * without a whole proxy around it; script the server with {@link FakeDotServer#behave}.
 */
public record InProcessUpstream(FakeDotServer server, Upstream upstream) implements AutoCloseable {

  /**
   * @param dir where the CA's certificate is written
   * @param loops the event loops the upstream's connections live on (NIO)
   */
  public static InProcessUpstream start(Path dir, EventLoopGroup loops, ProxyMetrics metrics)
      throws SSLException {
    Issued certificate = TestPki.newCa().issue();
    Path caFile = certificate.writePem(dir).caCertificate();
    FakeDotServer server = new FakeDotServer(certificate);
    UpstreamSpec spec = new UpstreamSpec(InetAddress.getLoopbackAddress(), server.port(),
        Optional.of("dot.test"), List.of());
    return new InProcessUpstream(server, new Upstream(spec, Optional.of(caFile), loops,
        Transport.nio(), ConnectionLimits.DEFAULTS, metrics.upstream(spec.label())));
  }

  @Override
  public void close() {
    upstream.close();
    server.close();
  }
}
