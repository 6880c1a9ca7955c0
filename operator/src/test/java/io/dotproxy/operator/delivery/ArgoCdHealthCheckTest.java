package io.dotproxy.operator.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.model.CoreDnsStatus;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.DnsOverTlsProxyStatus;
import io.dotproxy.operator.status.FleetReadiness;
import io.dotproxy.operator.status.Observation;
import io.dotproxy.operator.status.StatusCalculator;
import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * examples/argocd/health.lua, the ArgoCD health check for DnsOverTlsProxies, run with luaj on objects whose
 * status the operator's own StatusCalculator wrote. ArgoCD hands the script the live object as the global
 * {@code obj}: JSON objects as tables with string keys, arrays as tables indexed from 1, numbers as Lua
 * numbers (gopher-lua's are float64), and leaves out nulls; {@link #lua(Object)} builds the same shape.
 */
class ArgoCdHealthCheckTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  record Health(String status, String message) {}

  @Test
  void aNewObjectWithoutStatusIsProgressing() {
    assertThat(health(proxy(1, null))).isEqualTo(new Health("Progressing", "Waiting for the operator to report status"));
  }

  @Test
  void aReadyFleetIsHealthy() {
    Health health = health(proxy(3, status(fleet(3, 2, 2))));

    assertThat(health.status()).isEqualTo("Healthy");
    assertThat(health.message()).contains("2");
  }

  @Test
  void aRolloutIsProgressingWithTheOperatorsMessage() {
    DnsOverTlsProxyStatus status = status(new Observation(2, List.of(), true, Optional.empty(), Optional.empty(), true,
        new FleetReadiness(3, 1, 1, true), new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(), Optional.empty()));

    Health health = health(proxy(2, status));

    assertThat(health.status()).isEqualTo("Progressing");
    assertThat(health.message()).isEqualTo(status.condition("Ready").orElseThrow().getMessage());
  }

  @Test
  void aStatusForAnOlderSpecIsProgressingEvenIfItSaidReady() {
    DnsOverTlsProxyStatus readyForGeneration1 = status(fleet(1, 2, 2));

    assertThat(health(proxy(2, readyForGeneration1)))
        .isEqualTo(new Health("Progressing", "Waiting for the operator to observe generation 2"));
  }

  @Test
  void aMissingTrustedCaIsDegraded() {
    DnsOverTlsProxyStatus status = status(new Observation(1, List.of(), true,
        Optional.of("ConfigMap dns/corp-dot-ca has no key ca.crt"), Optional.empty(), true, new FleetReadiness(2, 2, 2, true),
        new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(), Optional.empty()));

    Health health = health(proxy(1, status));

    assertThat(health.status()).isEqualTo("Degraded");
    assertThat(health.message()).contains("corp-dot-ca");
  }

  @Test
  void aRefusedCoreDnsPatchIsDegraded() {
    DnsOverTlsProxyStatus status = status(new Observation(4, List.of(), true, Optional.empty(), Optional.empty(), true,
        new FleetReadiness(2, 2, 2, true),
        new CoreDnsStatus(CoreDnsState.REFUSED, "the Corefile cannot be patched safely: several forwards"),
        0, List.of(), Optional.empty()));

    Health health = health(proxy(4, status));

    assertThat(health.status()).isEqualTo("Degraded");
    assertThat(health.message()).contains("several forwards");
  }

  @Test
  void aReconcileErrorIsDegraded() {
    DnsOverTlsProxyStatus status = status(new Observation(1, List.of(), true, Optional.empty(), Optional.empty(), false, FleetReadiness.NONE,
        new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(), Optional.of("daemonsets.apps is forbidden")));

    assertThat(health(proxy(1, status)).status()).isEqualTo("Degraded");
  }

  @Test
  void aRenderedSidecarConfigIsHealthy() {
    DnsOverTlsProxyStatus status = status(new Observation(1, List.of(), false, Optional.empty(), Optional.empty(), true, FleetReadiness.NONE,
        new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(), Optional.empty()));

    assertThat(health(proxy(1, status)).status()).isEqualTo("Healthy");
  }

  @Test
  void sidecarPodsRunningWithoutTheProxyAreDegraded() {
    DnsOverTlsProxyStatus status = status(new Observation(1, List.of(), false, Optional.empty(), Optional.empty(), true, FleetReadiness.NONE,
        new CoreDnsStatus(CoreDnsState.DISABLED, null), 3, List.of("web-1"), Optional.empty()));

    Health health = health(proxy(1, status));

    assertThat(health.status()).isEqualTo("Degraded");
    assertThat(health.message()).contains("web-1").contains("without the proxy");
  }

  @Test
  void argocdCmCarriesExactlyHealthLua() {
    Map<String, Object> configMap = RepoFiles.documents(RepoFiles.read("examples/argocd/argocd-cm.yaml")).get(0);
    Map<?, ?> data = (Map<?, ?>) configMap.get("data");

    assertThat(data.get("resource.customizations.health.dotproxy.io_DnsOverTlsProxy"))
        .isEqualTo(RepoFiles.read("examples/argocd/health.lua"));
  }

  @Test
  void theApplicationHealthCheckPassesTheChildsHealthOn() {
    Map<String, Object> configMap = RepoFiles.documents(RepoFiles.read("examples/argocd/argocd-cm.yaml")).get(0);
    String script = (String) ((Map<?, ?>) configMap.get("data")).get("resource.customizations.health.argoproj.io_Application");

    assertThat(run(script, Map.of("metadata", Map.of("name", "dotproxy-operator"))).status()).isEqualTo("Progressing");
    assertThat(run(script, Map.of("status", Map.of("health", Map.of("status", "Healthy")))).status()).isEqualTo("Healthy");
    assertThat(run(script, Map.of("status", Map.of("health", Map.of("status", "Degraded", "message", "x")))))
        .isEqualTo(new Health("Degraded", "x"));
  }

  @Test
  void theApplicationsAreOrderedInSyncWaves() {
    Map<String, Object> operator = RepoFiles.documents(RepoFiles.read("examples/argocd/dotproxy-operator.yaml")).get(0);
    Map<String, Object> proxies = RepoFiles.documents(RepoFiles.read("examples/argocd/dotproxy-proxies.yaml")).get(0);

    int operatorWave = Integer.parseInt((String) annotations(operator).get("argocd.argoproj.io/sync-wave"));
    int proxiesWave = Integer.parseInt((String) annotations(proxies).get("argocd.argoproj.io/sync-wave"));
    assertThat(operatorWave).isLessThan(proxiesWave);
    assertThat(RepoFiles.path((String) ((Map<?, ?>) ((Map<?, ?>) operator.get("spec")).get("source")).get("path")))
        .isDirectoryContaining("glob:**/Chart.yaml");
    assertThat(RepoFiles.path((String) ((Map<?, ?>) ((Map<?, ?>) proxies.get("spec")).get("source")).get("path")))
        .isDirectoryContaining("glob:**/kustomization.yaml");
  }

  // --- helpers -------------------------------------------------------------------------------------

  static Observation fleet(long generation, int desired, int ready) {
    return new Observation(generation, List.of(), true, Optional.empty(), Optional.empty(), true,
        new FleetReadiness(desired, ready, ready, true), new CoreDnsStatus(CoreDnsState.DISABLED, null), 0, List.of(),
        Optional.empty());
  }

  static DnsOverTlsProxyStatus status(Observation observation) {
    return StatusCalculator.next(observation, null, NOW);
  }

  /** The object as the API server returns it, parsed from JSON as ArgoCD does. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> proxy(long generation, DnsOverTlsProxyStatus status) {
    DnsOverTlsProxy proxy = TestProxies.quad9("dns", "edge");
    proxy.getMetadata().setGeneration(generation);
    proxy.setStatus(status);
    return Serialization.unmarshal(Serialization.asJson(proxy), Map.class);
  }

  static Health health(Map<String, Object> object) {
    return run(RepoFiles.read("examples/argocd/health.lua"), object);
  }

  static Health run(String script, Map<String, Object> object) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(object));
    LuaValue hs = globals.load(script, "health.lua").call();
    return new Health(hs.get("status").tojstring(), hs.get("message").isnil() ? null : hs.get("message").tojstring());
  }

  static LuaValue lua(Object value) {
    if (value instanceof Map<?, ?> map) {
      LuaTable table = new LuaTable();
      map.forEach((k, v) -> {
        if (v != null) {
          table.set(k.toString(), lua(v));
        }
      });
      return table;
    }
    if (value instanceof List<?> list) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        table.set(i + 1, lua(list.get(i)));
      }
      return table;
    }
    if (value instanceof Number number) {
      return LuaValue.valueOf(number.doubleValue());
    }
    if (value instanceof Boolean bool) {
      return LuaValue.valueOf(bool);
    }
    return LuaValue.valueOf(value.toString());
  }

  static Map<?, ?> annotations(Map<String, Object> object) {
    return (Map<?, ?>) ((Map<?, ?>) object.get("metadata")).get("annotations");
  }
}
