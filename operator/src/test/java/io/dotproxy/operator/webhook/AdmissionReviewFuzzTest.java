package io.dotproxy.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.sidecar.ClusterCapabilities;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.PodInjector;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Optional;

/**
 * Fuzz target for the sidecar webhook's AdmissionReview handling, on arbitrary request bodies:
 * the handler either answers (an AdmissionReview that allows the pod, with the request's uid) or
 * rejects the body with {@link BadAdmissionRequest}, which the server turns into a 400. Any other
 * exception would be a 500 for the API server, and with failurePolicy Ignore a silent skip.
 *
 * <p>Every proxy name resolves to a Sidecar-mode proxy, so pods that pass the label checks reach
 * the injection and its JSON patch.
 */
class AdmissionReviewFuzzTest {

  private static final AdmissionReviewHandler HANDLER = new AdmissionReviewHandler(
      new PodInjector((namespace, name) -> Optional.of(sidecar(namespace, name)),
          "registry.example/dotproxy/proxy-runtime:fuzz",
          ClusterCapabilities.of(Optional.empty(), NativeSidecars.TRUE), "cluster.local", "dotproxy-system"),
      new SimpleMeterRegistry());

  @FuzzTest(maxDuration = "2m")
  void admissionReview(byte[] body) throws Exception {
    byte[] answer;
    try {
      answer = HANDLER.handle(body);
    } catch (BadAdmissionRequest rejected) {
      return; // a 400
    }
    JsonNode review = Serialization.jsonMapper().readTree(answer);
    assertThat(review.path("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(review.path("response").path("allowed").asBoolean()).isTrue();
    JsonNode request = Serialization.jsonMapper().readTree(body).path("request");
    assertThat(review.path("response").path("uid").asText()).isEqualTo(request.path("uid").asText());
  }

  private static DnsOverTlsProxy sidecar(String namespace, String name) {
    DnsOverTlsProxy proxy = TestProxies.quad9(namespace, name);
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    return proxy;
  }
}
