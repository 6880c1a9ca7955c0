package io.dotproxy.operator.testing;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CRUD mock API server with faults on demand.
 *
 * <p>A fault is armed for a method and path (without query): the next requests fail with a chosen
 * status, or a change to the stored objects lands just before the next request is served, as if another
 * client had got there first. The change is made on the store directly, in the server's own request
 * thread, so the order of the two is fixed and no test depends on timing. Every request is logged with
 * its answer, so that a test can count attempts and read what was written.
 */
public final class FaultyApiServer implements AutoCloseable {

  /** A request as the server saw it, and the status it answered. */
  public record Served(String method, String path, String body, int code) {}

  private record Fault(String method, String path, int code, Runnable before, AtomicInteger remaining) {

    boolean claims(String requestMethod, String requestPath) {
      return method.equals(requestMethod) && path.equals(requestPath) && remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }
  }

  private final KubernetesMixedDispatcher store;
  private final KubernetesMockServer server;
  private final NamespacedKubernetesClient client;
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final List<Served> log = new CopyOnWriteArrayList<>();

  public FaultyApiServer() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    store = new KubernetesMixedDispatcher(expectations);
    server = new KubernetesMockServer(
        new Context(Serialization.jsonMapper()), new MockWebServer(), expectations, new FaultDispatcher(), true);
    server.init();
    client = server.createClient();
  }

  public KubernetesMockServer server() {
    return server;
  }

  public NamespacedKubernetesClient client() {
    return client;
  }

  /** The next {@code times} requests for {@code method path} are answered with {@code code} and a Status. */
  public void failNext(String method, String path, int code, int times) {
    faults.add(new Fault(method, path, code, null, new AtomicInteger(times)));
  }

  /**
   * Runs {@code change} just before the next {@code method path} is served. It runs on the server's
   * request thread, so it must change the store with the {@code ...Now} methods, never through a client
   * (which would wait for this very thread).
   */
  public void beforeNext(String method, String path, Runnable change) {
    faults.add(new Fault(method, path, 0, change, new AtomicInteger(1)));
  }

  /** A DELETE on the store, bypassing the faults; it honours finalizers as the API server does. */
  public int deleteNow(String path) {
    return store.dispatch(request(HttpMethod.DELETE, path, null, null)).code();
  }

  /** A JSON patch (RFC 6902) on the store, bypassing the faults. */
  public int jsonPatchNow(String path, String patch) {
    return store.dispatch(request(HttpMethod.PATCH, path, "application/json-patch+json", patch)).code();
  }

  /** A PUT (replace) on the store, bypassing the faults: another client's write. */
  public int replaceNow(String path, String json) {
    return store.dispatch(request(HttpMethod.PUT, path, "application/json", json)).code();
  }

  /** Every request for {@code method path} so far, in the order served. */
  public List<Served> served(String method, String path) {
    return log.stream().filter(s -> s.method().equals(method) && s.path().equals(path)).toList();
  }

  /** Every request so far whose path starts with {@code prefix}, in the order served. */
  public List<Served> servedUnder(String prefix) {
    return log.stream().filter(s -> s.path().startsWith(prefix)).toList();
  }

  /** Every request so far, in the order served. */
  public List<Served> served() {
    return List.copyOf(log);
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }

  private final class FaultDispatcher extends Dispatcher {

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String method = request.getMethod();
      String path = withoutQuery(request.getPath());
      String body = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
      MockResponse response = null;
      for (Fault fault : faults) {
        if (fault.claims(method, path)) {
          if (fault.before() != null) {
            fault.before().run();
          } else {
            response = failure(fault.code(), method + " " + path);
          }
          break;
        }
      }
      if (response == null) {
        response = store.dispatch(request);
      }
      log.add(new Served(method, path, body, response.code()));
      return response;
    }

    @Override
    public void shutdown() {
      store.shutdown();
    }
  }

  private static String withoutQuery(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static RecordedRequest request(HttpMethod method, String path, String contentType, String body) {
    Headers.Builder headers = Headers.builder();
    if (contentType != null) {
      headers.add("Content-Type", contentType);
    }
    return new RecordedRequest("HTTP/1.1", method, path, headers.build(),
        new Buffer(body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
  }

  private static MockResponse failure(int code, String what) {
    String reason = switch (code) {
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 409 -> "Conflict";
      case 429 -> "TooManyRequests";
      default -> "InternalError";
    };
    String status = """
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"injected fault: %s","reason":"%s","code":%d}"""
        .formatted(what, reason, code);
    return new MockResponse().setResponseCode(code).setBody(status).setHttpVersion("HTTP/1.1");
  }
}
