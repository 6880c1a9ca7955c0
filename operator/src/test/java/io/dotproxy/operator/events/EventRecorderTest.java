package io.dotproxy.operator.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.testing.MutableClock;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Events as client-go's recorder writes them: one Event per distinct event, counted, and rate-limited per object. */
@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {

  static KubernetesClient client;

  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final EventRecorder recorder = new EventRecorder(client, clock);

  @AfterEach
  void close() {
    recorder.close();
    client.v1().events().inNamespace("dns").delete();
  }

  static DnsOverTlsProxy proxy(String name, String uid) {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", name);
    proxy.getMetadata().setUid(uid);
    return proxy;
  }

  List<Event> events() throws InterruptedException {
    recorder.flush(Duration.ofSeconds(10));
    return client.v1().events().inNamespace("dns").list().getItems();
  }

  @Test
  void theSameEventAgainCountsUpOnTheEventItHasAndMovesItsLastTimestamp() throws Exception {
    DnsOverTlsProxy edge = proxy("edge", "uid-edge");
    recorder.warning(edge, "ProxiesNotReady", "1 of 3 proxies ready");
    clock.set(clock.instant().plus(Duration.ofSeconds(30)));
    recorder.warning(edge, "ProxiesNotReady", "1 of 3 proxies ready");
    clock.set(clock.instant().plus(Duration.ofSeconds(30)));
    recorder.warning(edge, "ProxiesNotReady", "1 of 3 proxies ready");
    recorder.normal(edge, "ProxiesReady", "3 of 3 proxies ready");

    List<Event> events = events();
    assertThat(events).hasSize(2);
    Event notReady = events.stream().filter(e -> e.getReason().equals("ProxiesNotReady")).findFirst().orElseThrow();
    assertThat(notReady.getCount()).isEqualTo(3);
    assertThat(notReady.getType()).isEqualTo("Warning");
    assertThat(notReady.getFirstTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(notReady.getLastTimestamp()).isEqualTo("2026-01-01T00:01:00Z");
    assertThat(notReady.getInvolvedObject().getKind()).isEqualTo("DnsOverTlsProxy");
    assertThat(notReady.getInvolvedObject().getApiVersion()).isEqualTo("dotproxy.io/v1alpha1");
    assertThat(notReady.getInvolvedObject().getUid()).isEqualTo("uid-edge");
    assertThat(notReady.getSource().getComponent()).isEqualTo(EventRecorder.COMPONENT);
    assertThat(notReady.getMetadata().getName()).startsWith("edge.");
  }

  @Test
  void anObjectGetsABurstThenOneEventPerRefillWhileOthersAreUnaffected() throws Exception {
    DnsOverTlsProxy flapping = proxy("flapping", "uid-flapping");
    for (int i = 0; i < EventRecorder.BURST + 10; i++) {
      recorder.warning(flapping, "Flap", "flap " + i);
    }
    recorder.warning(proxy("calm", "uid-calm"), "ProxiesReady", "ready");
    assertThat(events()).filteredOn(e -> e.getInvolvedObject().getName().equals("flapping")).hasSize(EventRecorder.BURST);

    clock.set(clock.instant().plus(EventRecorder.REFILL));
    recorder.warning(flapping, "Flap", "after the refill");
    recorder.warning(flapping, "Flap", "one too many");

    assertThat(events()).extracting(Event::getMessage).contains("after the refill", "ready").doesNotContain("one too many");
  }

  @Test
  void anEventWithoutAMessageIsRecordedWithAnEmptyOne() throws Exception {
    recorder.normal(proxy("edge", "uid-edge"), "CoreDNSReverted", null);

    assertThat(events()).singleElement().satisfies(e -> assertThat(e.getMessage()).isEmpty());
  }

  @Test
  void anEventThatExpiredIsCreatedAgain() throws Exception {
    DnsOverTlsProxy edge = proxy("edge", "uid-edge");
    recorder.normal(edge, "CoreDNSPatched", "patched");
    assertThat(events()).hasSize(1);
    client.v1().events().inNamespace("dns").delete(); // the API server's TTL, one hour by default

    recorder.normal(edge, "CoreDNSPatched", "patched"); // the patch fails: forgotten
    recorder.normal(edge, "CoreDNSPatched", "patched");

    assertThat(events()).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
  }
}
