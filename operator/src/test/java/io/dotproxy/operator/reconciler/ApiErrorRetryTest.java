package io.dotproxy.operator.reconciler;

import static io.dotproxy.operator.testing.OperatorOnMockApi.NS;
import static io.dotproxy.operator.testing.ProxyApi.condition;
import static io.dotproxy.operator.testing.ProxyApi.hasCondition;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CacheSpec;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.ApiPaths;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.FaultyApiServer;
import io.dotproxy.operator.testing.FaultyApiServer.Served;
import io.dotproxy.operator.testing.OperatorOnMockApi;
import io.dotproxy.operator.testing.ProxyApi;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API server refuses writes for a while (409 Conflict, 500, 403) and the operator gets there in the
 * end: two layers retry, the fabric8 client (5xx and 429, at once with its own backoff) and JOSDK
 * (everything that reaches the reconciler, with the {@code @GradualRetry} on
 * {@link DnsOverTlsProxyReconciler}). Each test counts the attempts the server saw.
 */
class ApiErrorRetryTest {

  static final String NAME = "edge";
  static final String OWNED = "dotproxy-edge";

  final OperatorOnMockApi cluster = new OperatorOnMockApi();
  final FaultyApiServer api = cluster.api();
  final ProxyApi edge = cluster.proxy(NAME);

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void conflictsOnADependentAreRetriedUntilTheWriteLandsAndNeverShownAsDegraded() {
    cluster.start();
    cluster.client().resource(TestProxies.quad9(NS, NAME)).create();
    edge.await(ConfigMap.class, OWNED);
    String configMap = ApiPaths.configMap(NS, OWNED);
    api.failNext("PUT", configMap, 409, 2);

    edge.edit(p -> p.getSpec().setCache(cacheOf(500)));

    Eventually.until("the new cache size in the config", () -> edge.get(ConfigMap.class, OWNED),
        cm -> cm.getData().get("config.yaml").contains("cache-size: 500"));
    assertThat(codes(api.served("PUT", configMap))).containsExactly(409, 409, 200);
    DnsOverTlsProxy settled = edge.awaitStatus(p -> p.getStatus().getObservedGeneration() == 2L);
    assertThat(condition(settled, "Degraded").getStatus()).isEqualTo("False");
    // A conflict is optimistic concurrency at work, not a fault: it is retried, not reported.
    assertThat(statusWrites()).noneMatch(body -> body.contains("ReconcileError"));
  }

  @Test
  void serverErrorsAreRetriedByTheClientBeforeTheReconcilerSeesThem() {
    api.failNext("POST", ApiPaths.daemonSets(NS), 500, 3);
    cluster.start();

    cluster.client().resource(TestProxies.quad9(NS, NAME)).create();

    edge.await(DaemonSet.class, OWNED);
    assertThat(codes(api.served("POST", ApiPaths.daemonSets(NS)))).containsExactly(500, 500, 500, 200);
    edge.awaitStatus(p -> hasCondition(p, "Progressing", "True"));
    assertThat(statusWrites()).noneMatch(body -> body.contains("ReconcileError"));
  }

  @Test
  void aRefusedWriteIsDegradedNamingTheErrorAndClearsOnceTheWriteLands() {
    // e.g. the operator's RBAC is being rolled out after the operator itself
    api.failNext("POST", ApiPaths.daemonSets(NS), 403, 3);
    cluster.start();

    cluster.client().resource(TestProxies.quad9(NS, NAME)).create();

    edge.await(DaemonSet.class, OWNED);
    assertThat(codes(api.served("POST", ApiPaths.daemonSets(NS)))).containsExactly(403, 403, 403, 200);
    // One line naming the API server's answer, not the stack traces JOSDK's aggregated exception carries.
    assertThat(statusWrites()).anySatisfy(body -> assertThat(body)
        .contains("\"Degraded\"", "ReconcileError",
            "the API server answered 403 Forbidden: injected fault: POST " + ApiPaths.daemonSets(NS))
        .doesNotContain("\\tat ", "Exception"));
    DnsOverTlsProxy recovered = edge.awaitStatus(p -> hasCondition(p, "Degraded", "False"));
    assertThat(condition(recovered, "Progressing").getReason()).isEqualTo("RollingOut");
  }

  @Test
  void aConflictingStatusWriteIsRetriedFromAFreshReadAndNotLost() {
    cluster.start();
    cluster.client().resource(TestProxies.quad9(NS, NAME)).create();
    edge.await(DaemonSet.class, OWNED);
    edge.awaitStatus(p -> hasCondition(p, "Progressing", "True"));
    String status = ApiPaths.proxyStatus(NS, NAME);
    int writesBefore = api.served("PATCH", status).size();
    api.failNext("PATCH", status, 409, 1);

    cluster.cluster().reportFleetReady(NS, OWNED, 2);

    DnsOverTlsProxy ready = edge.awaitStatus(p -> hasCondition(p, "Ready", "True"));
    assertThat(ready.getStatus().getReadyProxies()).isEqualTo(2);
    List<Served> writes = api.served("PATCH", status);
    assertThat(codes(writes.subList(writesBefore, writes.size()))).containsExactly(409, 200);
    assertThat(statusWrites()).noneMatch(body -> body.contains("ReconcileError"));
  }

  @Test
  void theBackoffDoublesFromHalfASecondToAMinuteAndNeverGivesUp() {
    // Read the way JOSDK reads it when the controller is registered.
    var retry = new GenericRetry();
    retry.initFrom(DnsOverTlsProxyReconciler.class.getAnnotation(GradualRetry.class));
    var execution = retry.initExecution();

    List<Long> delays = new ArrayList<>();
    for (int attempt = 0; attempt < 12; attempt++) {
      delays.add(execution.nextDelay().orElseThrow());
    }

    assertThat(delays).containsExactly(500L, 500L, 1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 32_000L,
        60_000L, 60_000L, 60_000L, 60_000L);
    assertThat(execution.isLastAttempt()).isFalse();
  }

  private List<String> statusWrites() {
    return api.served("PATCH", ApiPaths.proxyStatus(NS, NAME)).stream().map(Served::body).toList();
  }

  /** The answers' status codes, any success as 200 (the mock answers a PATCH with 202). */
  private static List<Integer> codes(List<Served> served) {
    return served.stream().map(s -> s.code() / 100 == 2 ? 200 : s.code()).toList();
  }

  private static CacheSpec cacheOf(int size) {
    var cache = new CacheSpec();
    cache.setSize(size);
    return cache;
  }
}
