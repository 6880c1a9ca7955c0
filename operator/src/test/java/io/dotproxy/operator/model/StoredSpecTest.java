package io.dotproxy.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/**
 * Reading stored DnsOverTlsProxies with the Kubernetes client's own serialization: a spec that does
 * not fit the model is read as unreadable (never an exception, which would stop the informers), and
 * survives the JSON round trip JOSDK makes when it copies a resource.
 */
class StoredSpecTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @Test
  void aValidSpecIsReadAsUsual() {
    DnsOverTlsProxy proxy = read("""
        {"mode": "Sidecar", "policy": "round_robin", "upstreams": [{"address": "9.9.9.9", "serverName": "dns.quad9.net"}],
         "cache": {"size": 500}}""");

    assertThat(proxy.getSpec().unreadable()).isEmpty();
    assertThat(proxy.getSpec().getClass()).isEqualTo(DnsOverTlsProxySpec.class);
    assertThat(proxy.getSpec().getMode()).isEqualTo(ProxyMode.SIDECAR);
    assertThat(proxy.getSpec().getPolicy()).isEqualTo(UpstreamPolicy.ROUND_ROBIN);
    assertThat(proxy.getSpec().getUpstreams()).singleElement().satisfies(u -> assertThat(u.getPort()).isEqualTo(853));
    assertThat(proxy.getSpec().getCache().getSize()).isEqualTo(500);
  }

  @Test
  void anUnknownEnumValueNamesTheFieldAndTheAcceptedValues() {
    assertThat(problemOf("""
        {"mode": "Gateway", "upstreams": [{"address": "9.9.9.9"}]}"""))
        .isEqualTo("spec.mode: \"Gateway\" is not one of DaemonSet, Sidecar");
    assertThat(problemOf("""
        {"upstreams": [{"address": "9.9.9.9"}], "rateLimit": {"action": "tarpit"}}"""))
        .isEqualTo("spec.rateLimit.action: \"tarpit\" is not one of refuse, drop");
  }

  @Test
  void aValueOfTheWrongTypeNamesTheFieldAndTheValue() {
    assertThat(problemOf("""
        {"upstreams": [{"address": "9.9.9.9"}], "cache": {"size": "big"}}"""))
        .isEqualTo("spec.cache.size: expected a whole number, not \"big\"");
    assertThat(problemOf("""
        {"upstreams": [{"address": "9.9.9.9", "port": {"number": 853}}]}"""))
        .isEqualTo("spec.upstreams[0].port: expected a whole number, not {\"number\":853}");
    assertThat(problemOf("""
        {"upstreams": "9.9.9.9"}"""))
        .isEqualTo("spec.upstreams: expected a list, not \"9.9.9.9\"");
    assertThat(problemOf("\"DaemonSet\"")).isEqualTo("spec: expected an object, not \"DaemonSet\"");
  }

  @Test
  void aFieldThisVersionDoesNotKnowIsAProblemNotSilentlyIgnored() {
    // e.g. set through a newer CRD while this operator still runs: it could not honour the setting.
    assertThat(problemOf("""
        {"upstreams": [{"address": "9.9.9.9", "ocspStapling": true}]}"""))
        .isEqualTo("spec.upstreams[0].ocspStapling: not a field of DnsOverTlsProxy in this version of the operator");
  }

  @Test
  void aMissingOrNullSpecIsUnreadable() {
    DnsOverTlsProxy withoutSpec = SERIALIZATION.unmarshal("""
        {"apiVersion": "dotproxy.io/v1alpha1", "kind": "DnsOverTlsProxy", "metadata": {"name": "edge", "namespace": "dns"}}""",
        DnsOverTlsProxy.class);

    assertThat(withoutSpec.getSpec().unreadable()).contains("spec is required");
    assertThat(read("null").getSpec().unreadable()).contains("spec is required");
  }

  @Test
  void anUnreadableSpecIsWrittenBackAsStoredAndStaysUnreadableInACopy() {
    String stored = """
        {"mode": "Gateway", "upstreams": [{"address": "9.9.9.9", "port": 853}], "cache": {"size": 100}}""";
    DnsOverTlsProxy proxy = read(stored);

    JsonNode written = SERIALIZATION.convertValue(proxy, JsonNode.class).get("spec");
    DnsOverTlsProxy copy = SERIALIZATION.clone(proxy);

    assertThat(written).isEqualTo(SERIALIZATION.unmarshal(stored, JsonNode.class));
    assertThat(copy.getSpec().unreadable()).isEqualTo(proxy.getSpec().unreadable());
    // Not a default spec that would quietly deploy a DaemonSet.
    assertThat(copy.getSpec().getUpstreams()).isNull();
  }

  private static DnsOverTlsProxy read(String specJson) {
    return SERIALIZATION.unmarshal("""
        {"apiVersion": "dotproxy.io/v1alpha1", "kind": "DnsOverTlsProxy", "metadata": {"name": "edge", "namespace": "dns"},
         "spec": %s}""".formatted(specJson), DnsOverTlsProxy.class);
  }

  private static String problemOf(String specJson) {
    return read(specJson).getSpec().unreadable().orElseThrow();
  }
}
