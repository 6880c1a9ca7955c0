package io.dotproxy.runtime.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes the three admin paths; anything else is 404, anything but GET or HEAD is 405. */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
  private static final String TEXT = "text/plain; charset=utf-8";

  private final PrometheusRegistry registry;
  private final Supplier<Readiness> readiness;
  private final PrometheusTextFormatWriter metricsWriter = PrometheusTextFormatWriter.create();

  AdminHandler(PrometheusRegistry registry, Supplier<Readiness> readiness) {
    this.registry = registry;
    this.readiness = readiness;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
    FullHttpResponse response;
    if (!request.decoderResult().isSuccess()) {
      response = text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
    } else if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET\n");
    } else {
      QueryStringDecoder uri = new QueryStringDecoder(request.uri());
      response = switch (uri.path()) {
        case "/metrics" -> metrics(ctx);
        case "/livez" -> text(HttpResponseStatus.OK, "ok\n");
        case "/readyz" -> readyz(uri.parameters().containsKey("verbose"));
        default -> text(HttpResponseStatus.NOT_FOUND, "not found: try /metrics, /livez, /readyz\n");
      };
    }
    if (request.method() == HttpMethod.HEAD) {
      response.content().clear();
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private FullHttpResponse readyz(boolean verbose) {
    Readiness now = readiness.get();
    HttpResponseStatus status = now.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
    if (verbose) {
      return text(status, now.verboseBody());
    }
    return text(status, now.ready() ? "ready\n" : "not ready\n");
  }

  private FullHttpResponse metrics(ChannelHandlerContext ctx) throws IOException {
    ByteBuf body = ctx.alloc().buffer(16 * 1024);
    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
      metricsWriter.write(out, registry.scrape());
    }
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, metricsWriter.getContentType());
    HttpUtil.setContentLength(response, body.readableBytes());
    return response;
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    return response;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("admin connection: {}", cause.toString());
    ctx.close();
  }
}
