package io.dotproxy.operator.delivery;

import static io.dotproxy.operator.delivery.RenderedChart.NAMESPACE;
import static io.dotproxy.operator.delivery.RenderedChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.dotproxy.operator.app.OperatorFeatures;
import io.dotproxy.operator.app.OperatorFlag;
import io.dotproxy.operator.app.OperatorSettings;
import io.dotproxy.operator.coredns.CoreDnsLocation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * charts/dotproxy-operator rendered and linted by real Helm (helm-java) for the default values and the
 * non-default sets users are expected to choose; the rendered objects are read back with fabric8.
 */
class HelmChartTest {

  static final String FULLNAME = RELEASE; // the release name contains the chart name
  static final String SERVICE_ACCOUNT = FULLNAME;

  /**
   * Operator flags the admission webhook (issue 6) adds; the chart sets them now, and the operator reads
   * them once the webhook lands. Everything else the chart sets must be a flag this operator knows.
   */
  static final Set<String> WEBHOOK_FLAGS = Set.of(
      "webhook-enabled", "webhook-port", "webhook-cert-mode", "webhook-secret", "webhook-config-name",
      "webhook-cert-dir", "webhook-service", "operator-namespace", "native-sidecars", "cluster-dns-service",
      "cluster-domain");

  @Test
  void lintPassesInStrictMode() {
    LintResult result = new Helm(RenderedChart.chart()).lint().strict().call();

    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void theChartsCrdsAreTheRepositorysCrds() throws Exception {
    var repoCrds = Files.list(RepoFiles.path("crds")).map(p -> p.getFileName().toString()).sorted().toList();
    var chartCrds = Files.list(RepoFiles.path("charts/dotproxy-operator/crds")).map(p -> p.getFileName().toString()).sorted().toList();

    assertThat(chartCrds).isEqualTo(repoCrds);
    for (String name : repoCrds) {
      assertThat(RepoFiles.read("charts/dotproxy-operator/crds/" + name))
          .as("charts/dotproxy-operator/crds/%s differs from crds/%s: refresh both with: mvn -pl operator process-classes -Pupdate-crds", name, name)
          .isEqualTo(RepoFiles.read("crds/" + name));
    }
  }

  @Test
  void valuesOutsideTheSchemaAreRejected() {
    assertThatThrownBy(() -> RenderedChart.render("webhook:\n  certMode: selfMade\n"))
        .hasMessageContaining("certMode");
    assertThatThrownBy(() -> RenderedChart.render("webhok:\n  enabled: false\n"))
        .hasMessageContaining("webhok");
    assertThatThrownBy(() -> RenderedChart.render("coreDNS:\n  configMap: coredns\n"))
        .hasMessageContaining("configMap");
  }

  /** The drain period must end before the kubelet's SIGKILL: the grace period is 30 s. */
  @Test
  void theDrainPeriodIsSetFromItsValueAndCannotOutlastTheGracePeriod() {
    assertThat(env(RenderedChart.render("webhook:\n  drainPeriod: 20s\n"))).containsEntry("DOTPROXY_DRAIN_PERIOD", "20s");
    assertThat(OperatorSettings.parse(new String[0], env(RenderedChart.render("webhook:\n  drainPeriod: 0s\n")))
        .webhook().drainPeriod()).isZero();
    for (String tooLong : List.of("21s", "30s", "1m", "10000ms", "5")) {
      assertThatThrownBy(() -> RenderedChart.render("webhook:\n  drainPeriod: " + tooLong + "\n"))
          .as(tooLong).hasMessageContaining("drainPeriod");
    }
  }

  /** The chart with its default values, rendered once for the tests named "defaults...". */
  static RenderedChart defaults;

  @BeforeAll
  static void renderDefaults() {
    defaults = RenderedChart.render("");
  }

  @Test
  void defaultsRenderTheseObjects() {
    assertThat(defaults.objects).extracting(o -> o.getKind() + " " + o.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "ServiceAccount dotproxy-operator",
            "ClusterRole dotproxy-operator",
            "ClusterRoleBinding dotproxy-operator",
            "ClusterRole dotproxy-operator-cluster",
            "ClusterRoleBinding dotproxy-operator-cluster",
            "Role dotproxy-operator-leader-election",
            "RoleBinding dotproxy-operator-leader-election",
            "Role dotproxy-operator-webhook-tls",
            "RoleBinding dotproxy-operator-webhook-tls",
            "Role dotproxy-operator-coredns",
            "RoleBinding dotproxy-operator-coredns",
            "Role dotproxy-operator-cluster-dns",
            "RoleBinding dotproxy-operator-cluster-dns",
            "Deployment dotproxy-operator",
            "Service dotproxy-operator-webhook",
            "Service dotproxy-operator-metrics",
            "MutatingWebhookConfiguration dotproxy-operator",
            "PodDisruptionBudget dotproxy-operator");
    assertThat(defaults.manifest).as("CRDs come from the chart's crds/ directory, not templates")
        .doesNotContain("kind: CustomResourceDefinition");
  }

  /**
   * The chart grants exactly the permissions the operator's features need (OperatorFeatures, derived
   * from the settings the chart's Deployment passes), in every documented variant. ChartInstallIT
   * holds the same list to what the real API server allows.
   */
  static final List<String> VARIANTS = List.of(
      "{}",
      "webhook: {enabled: false}",
      "watchNamespaces: [dns, apps]",
      "{watchNamespaces: [apps], coreDNS: {patch: false}}",
      "webhook: {certMode: certManager}",
      "{replicaCount: 1, leaderElection: {enabled: false}}",
      "rbac: {trustedCASecrets: false}",
      "coreDNS: {configMap: dns-system/coredns-custom}",
      "webhook: {nativeSidecars: \"false\"}",
      "{watchNamespaces: [apps], replicaCount: 1, leaderElection: {enabled: false}, webhook: {certMode: certManager}}");

  static Stream<String> variants() {
    return VARIANTS.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void everyVariantGrantsExactlyWhatTheOperatorsFeaturesNeed(String values) {
    RenderedChart chart = RenderedChart.render(values + "\n");

    assertThat(sortedGrants(chart)).isEqualTo(featureGrants(chart));
  }

  @Test
  void defaultsGrantTheseRules() {
    assertThat(sortedGrants(defaults)).containsExactlyInAnyOrderElementsOf(List.of(
        "cluster dotproxy.io/dnsovertlsproxies get,list,patch,update,watch",
        "cluster dotproxy.io/dnsovertlsproxies/status get,patch,update",
        "cluster dotproxy.io/dnsovertlsproxies/finalizers update",
        "cluster /configmaps create,delete,get,list,patch,update,watch",
        "cluster /services create,delete,get,list,patch,update,watch",
        "cluster apps/daemonsets create,delete,get,list,patch,update,watch",
        "cluster /events create,list,patch",
        "cluster /secrets get",
        "cluster /pods get,list,watch",
        "cluster /endpoints get",
        "cluster authorization.k8s.io/selfsubjectrulesreviews create",
        "cluster admissionregistration.k8s.io/mutatingwebhookconfigurations get,patch [dotproxy-operator]",
        "cluster /nodes list,watch",
        "cluster networking.k8s.io/servicecidrs list,watch",
        "dotproxy-system coordination.k8s.io/leases create",
        "dotproxy-system coordination.k8s.io/leases get,patch,update [dotproxy-operator]",
        "dotproxy-system /secrets create",
        "dotproxy-system /secrets get,update [dotproxy-operator-webhook-tls]",
        "kube-system /configmaps get,list,update,watch [coredns]",
        "kube-system /configmaps get [node-local-dns]",
        "kube-system /services get,list,watch [kube-dns]",
        "kube-system /endpoints get [kube-dns]"));
  }

  @Test
  void defaultsHaveNoRbacWildcardsAndBindEveryRoleToTheOperatorOnly() {
    assertNoWildcards(defaults);
    assertBindingsComplete(defaults);
  }

  @Test
  void defaultsRunThePodUnderTheRestrictedPodSecurityProfile() {
    assertRestricted(deployment(defaults).getSpec().getTemplate().getSpec());
  }

  @Test
  void defaultsUseTheConventionsPorts() {
    Container operator = operator(defaults);
    assertThat(operator.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("http", 8080),
            org.assertj.core.groups.Tuple.tuple("webhook", 9443));
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");

    Service metrics = defaults.one(Service.class, "dotproxy-operator-metrics");
    assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(8080);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
    Service webhook = defaults.one(Service.class, "dotproxy-operator-webhook");
    assertThat(webhook.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(443);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("webhook");
    });
  }

  @Test
  void defaultsSendOnlyOptedInPodsToTheWebhookAndNeverBlockThem() {
    MutatingWebhook webhook = webhook(defaults);

    assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
    assertThat(webhook.getSideEffects()).isEqualTo("None");
    assertThat(webhook.getTimeoutSeconds()).isEqualTo(5);
    assertThat(webhook.getReinvocationPolicy()).isEqualTo("IfNeeded");
    assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(webhook.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getOperations()).containsExactly("CREATE");
      assertThat(rule.getApiGroups()).containsExactly("");
      assertThat(rule.getResources()).containsExactly("pods");
    });
    assertThat(webhook.getObjectSelector().getMatchExpressions()).singleElement().satisfies(e -> {
      assertThat(e.getKey()).isEqualTo("dotproxy.io/proxy");
      assertThat(e.getOperator()).isEqualTo("Exists");
    });
    assertThat(webhook.getNamespaceSelector().getMatchExpressions()).singleElement().satisfies(e -> {
      assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
      assertThat(e.getOperator()).isEqualTo("NotIn");
      assertThat(e.getValues()).containsExactly("kube-system");
    });
    var service = webhook.getClientConfig().getService();
    assertThat(service.getName()).isEqualTo("dotproxy-operator-webhook");
    assertThat(service.getNamespace()).isEqualTo(NAMESPACE);
    assertThat(service.getPath()).isEqualTo("/mutate-pods");
    assertThat(service.getPort()).isEqualTo(443);
    assertThat(webhook.getClientConfig().getCaBundle())
        .as("the operator patches the caBundle; the manifest must not carry one that upgrades would reset")
        .isNull();
  }

  @Test
  void defaultsLabelEverything() {
    for (HasMetadata object : defaults.objects) {
      assertThat(object.getMetadata().getLabels()).as(object.getKind() + " " + object.getMetadata().getName())
          .containsEntry("app.kubernetes.io/name", "dotproxy-operator")
          .containsEntry("app.kubernetes.io/instance", RELEASE)
          .containsEntry("app.kubernetes.io/component", "operator")
          .containsEntry("app.kubernetes.io/part-of", "dotproxy")
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsKey("app.kubernetes.io/version");
    }
    Deployment deployment = deployment(defaults);
    Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(selector)
        .as("the operator's informers select managed-by=dotproxy-operator; its own pods must not match")
        .doesNotContainEntry("app.kubernetes.io/managed-by", "dotproxy-operator");
    for (Service service : defaults.all(Service.class)) {
      assertThat(service.getSpec().getSelector()).isEqualTo(selector);
    }
    assertThat(defaults.only(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels()).isEqualTo(selector);
  }

  @Test
  void defaultsSetAnEnvironmentTheOperatorParses() throws Exception {
    Map<String, String> env = env(defaults);

    assertOnlyKnownFlags(env);
    OperatorSettings settings = OperatorSettings.parse(new String[0], env);
    assertThat(settings.watchNamespaces()).isEmpty();
    assertThat(settings.leaderElection()).isTrue();
    assertThat(settings.leaseName()).isEqualTo("dotproxy-operator");
    assertThat(settings.leaseNamespace()).contains(NAMESPACE);
    assertThat(settings.proxyImage()).isEqualTo("ghcr.io/dotproxy/proxy-runtime:" + appVersion());
    assertThat(settings.coreDns()).isEqualTo(new CoreDnsLocation("kube-system", "coredns"));
    assertThat(settings.httpPort()).isEqualTo(8080);
    assertThat(env).containsEntry("DOTPROXY_WEBHOOK_ENABLED", "true")
        .containsEntry("DOTPROXY_WEBHOOK_PORT", "9443")
        .containsEntry("DOTPROXY_WEBHOOK_CERT_MODE", "operator")
        .containsEntry("DOTPROXY_WEBHOOK_SECRET", "dotproxy-operator-webhook-tls")
        .containsEntry("DOTPROXY_WEBHOOK_CONFIG_NAME", "dotproxy-operator")
        .containsEntry("DOTPROXY_WEBHOOK_SERVICE", "dotproxy-operator-webhook")
        .containsEntry("DOTPROXY_OPERATOR_NAMESPACE", NAMESPACE)
        .containsEntry("DOTPROXY_NATIVE_SIDECARS", "auto")
        .containsEntry("DOTPROXY_CLUSTER_DNS_SERVICE", "kube-system/kube-dns")
        .containsEntry("DOTPROXY_CLUSTER_DOMAIN", "cluster.local")
        .containsEntry("DOTPROXY_DRAIN_PERIOD", "5s")
        .containsEntry("DOTPROXY_IP_FAMILIES", "auto");
    assertThat(settings.webhook().drainPeriod())
        .as("answering admissions while unready fits in the pod's grace period, with time to stop the rest")
        .isLessThan(Duration.ofSeconds(deployment(defaults).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() - 10));
    assertThat(operator(defaults).getEnv()).filteredOn(e -> e.getName().equals("POD_NAMESPACE")).singleElement()
        .satisfies(e -> assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace"));
    // --ip-families auto reads the pod network's families from the operator's own pod IPs.
    assertThat(operator(defaults).getEnv()).filteredOn(e -> e.getName().equals("POD_IPS")).singleElement()
        .satisfies(e -> assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIPs"));
    assertThat(operator(defaults).getImage()).isEqualTo("ghcr.io/dotproxy/operator:" + appVersion());
  }

  @Test
  void defaultsRunTwoReplicasSpreadOverNodesThatMayLoseOneAtATime() {
    Deployment deployment = deployment(defaults);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
        .getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement()
        .satisfies(t -> assertThat(t.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
    PodDisruptionBudget pdb = defaults.only(PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
    assertThat(operator(defaults).getReadinessProbe().getHttpGet().getPath())
        .as("ready once the webhook answers, on standby replicas too, so admissions only reach replicas that serve them")
        .isEqualTo("/readyz");
  }

  /**
   * policy/v1 PodDisruptionBudgets exist from Kubernetes 1.21 and unhealthyPodEvictionPolicy is on by
   * default from 1.27; older clusters get what they know (ChartOnKubernetes120IT has a 1.20 API server
   * accept it). The same selector and budget either way.
   */
  @Test
  void thePodDisruptionBudgetIsWhatTheClustersVersionKnows() {
    RenderedChart v120 = RenderedChart.render("", "1.20.2");
    io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudget beta =
        v120.only(io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudget.class);
    assertThat(beta.getApiVersion()).isEqualTo("policy/v1beta1");
    assertThat(beta.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(beta.getSpec().getSelector().getMatchLabels())
        .isEqualTo(defaults.only(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());
    assertThat(v120.manifest).doesNotContain("unhealthyPodEvictionPolicy");
    assertThat(v120.all(PodDisruptionBudget.class)).isEmpty();

    for (String version : List.of("1.21.0", "1.26.15")) {
      RenderedChart chart = RenderedChart.render("", version);
      assertThat(chart.only(PodDisruptionBudget.class).getApiVersion()).as(version).isEqualTo("policy/v1");
      assertThat(chart.manifest).as(version).doesNotContain("unhealthyPodEvictionPolicy");
    }
    assertThat(RenderedChart.render("", "1.27.0").only(PodDisruptionBudget.class).getSpec().getUnhealthyPodEvictionPolicy())
        .isEqualTo("AlwaysAllow");
  }

  @Test
  void certManagerIssuesTheWebhookCertificateAndInjectsTheCa() {
    RenderedChart chart = RenderedChart.render("webhook:\n  certMode: certManager\n");

    GenericKubernetesResource issuer = chart.generic("Issuer").get(0);
    assertThat(issuer.getMetadata().getName()).isEqualTo("dotproxy-operator-selfsigned");
    assertThat(issuer.get("spec", "selfSigned") instanceof Map).isTrue();
    GenericKubernetesResource certificate = chart.generic("Certificate").get(0);
    assertThat(certificate.getApiVersion()).isEqualTo("cert-manager.io/v1");
    assertThat((String) certificate.get("spec", "secretName")).isEqualTo("dotproxy-operator-webhook-tls");
    assertThat(list(certificate.get("spec", "dnsNames"))).containsExactly(
        "dotproxy-operator-webhook.dotproxy-system.svc", "dotproxy-operator-webhook.dotproxy-system.svc.cluster.local");
    assertThat((String) certificate.get("spec", "issuerRef", "name")).isEqualTo("dotproxy-operator-selfsigned");

    MutatingWebhookConfiguration configuration = chart.only(MutatingWebhookConfiguration.class);
    assertThat(configuration.getMetadata().getAnnotations())
        .containsEntry("cert-manager.io/inject-ca-from", "dotproxy-system/dotproxy-operator-webhook");
    assertThat(env(chart)).containsEntry("DOTPROXY_WEBHOOK_CERT_MODE", "external")
        .containsEntry("DOTPROXY_WEBHOOK_CERT_DIR", "/etc/dotproxy/webhook-tls");
    PodSpec pod = deployment(chart).getSpec().getTemplate().getSpec();
    assertThat(operator(chart).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getMountPath()).isEqualTo("/etc/dotproxy/webhook-tls");
      assertThat(m.getReadOnly()).isTrue();
      assertThat(pod.getVolumes()).anySatisfy(v -> {
        assertThat(v.getName()).isEqualTo(m.getName());
        assertThat(v.getSecret().getSecretName()).isEqualTo("dotproxy-operator-webhook-tls");
      });
    });
    assertThat(grants(chart)).as("cert-manager writes the Secret and the caBundle, the operator does not")
        .noneMatch(g -> g.contains("/secrets create") || g.contains("mutatingwebhookconfigurations"));
    assertRestricted(pod);
  }

  @Test
  void certManagerCanUseAnExistingClusterIssuer() {
    RenderedChart chart = RenderedChart.render(
        "webhook:\n  certMode: certManager\n  certManager:\n    issuerRef: {kind: ClusterIssuer, name: corp-ca}\n");

    assertThat(chart.generic("Issuer")).isEmpty();
    GenericKubernetesResource certificate = chart.generic("Certificate").get(0);
    assertThat((String) certificate.get("spec", "issuerRef", "kind")).isEqualTo("ClusterIssuer");
    assertThat((String) certificate.get("spec", "issuerRef", "name")).isEqualTo("corp-ca");
  }

  @Test
  void watchedNamespacesGetRolesAndClusterWideOnlyWhatIsNotNamespaced() throws Exception {
    RenderedChart chart = RenderedChart.render("watchNamespaces: [dns, apps]\n");

    Set<String> grants = grants(chart);
    assertThat(grants).noneMatch(g -> g.startsWith("cluster ") && !g.contains("selfsubjectrulesreviews")
        && !g.contains("mutatingwebhookconfigurations") && !g.startsWith("cluster /nodes ")
        && !g.startsWith("cluster networking.k8s.io/servicecidrs "));
    assertThat(grants).contains("cluster /nodes list,watch", "cluster networking.k8s.io/servicecidrs list,watch");
    for (String namespace : List.of("dns", "apps")) {
      assertThat(grants).contains(
          namespace + " dotproxy.io/dnsovertlsproxies get,list,watch,update,patch",
          namespace + " /configmaps get,list,watch,create,update,patch,delete",
          namespace + " apps/daemonsets get,list,watch,create,update,patch,delete",
          namespace + " /events list,create,patch",
          namespace + " /secrets get",
          namespace + " /pods get,list,watch");
    }
    assertNoWildcards(chart);
    assertBindingsComplete(chart);

    Map<String, String> env = env(chart);
    assertThat(OperatorSettings.parse(new String[0], env).watchNamespaces()).containsExactlyInAnyOrder("dns", "apps");
    assertThat(webhook(chart).getNamespaceSelector().getMatchExpressions())
        .extracting(LabelSelectorRequirement::getOperator, LabelSelectorRequirement::getValues)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("NotIn", List.of("kube-system")),
            org.assertj.core.groups.Tuple.tuple("In", List.of("dns", "apps")));
  }

  @Test
  void withoutTheCoreDnsPatchTheOperatorCannotTouchKubeSystemConfigMaps() {
    RenderedChart chart = RenderedChart.render("coreDNS:\n  patch: false\n");

    assertThat(chart.find(Role.class, "dotproxy-operator-coredns")).isEmpty();
    assertThat(grants(chart)).noneMatch(g -> g.startsWith("kube-system /configmaps"));
    assertBindingsComplete(chart);
  }

  @Test
  void aDifferentCoreDnsConfigMapMovesTheGrant() {
    RenderedChart chart = RenderedChart.render("coreDNS:\n  configMap: dns-system/coredns-custom\n");

    assertThat(sortedGrants(chart)).contains("dns-system /configmaps get,list,update,watch [coredns-custom]");
    assertThat(OperatorSettings.parse(new String[0], env(chart)).coreDns())
        .isEqualTo(new CoreDnsLocation("dns-system", "coredns-custom"));
  }

  @Test
  void theServiceMonitorScrapesTheMetricsService() {
    RenderedChart chart = RenderedChart.render(
        "metrics:\n  serviceMonitor:\n    enabled: true\n    labels: {release: prometheus}\n");

    GenericKubernetesResource monitor = chart.generic("ServiceMonitor").get(0);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Service metrics = chart.one(Service.class, "dotproxy-operator-metrics");
    @SuppressWarnings("unchecked")
    Map<String, String> matchLabels = (Map<String, String>) monitor.get("spec", "selector", "matchLabels");
    assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(matchLabels);
    assertThat(list(monitor.get("spec", "endpoints"))).singleElement().satisfies(e -> {
      @SuppressWarnings("unchecked")
      Map<String, Object> endpoint = (Map<String, Object>) e;
      assertThat(endpoint).containsEntry("port", metrics.getSpec().getPorts().get(0).getName())
          .containsEntry("path", "/metrics");
    });
  }

  @Test
  void withoutTheWebhookThereIsNoWebhookAndNoAccessItWouldNeed() {
    RenderedChart chart = RenderedChart.render("webhook:\n  enabled: false\n");

    assertThat(chart.all(MutatingWebhookConfiguration.class)).isEmpty();
    assertThat(chart.find(Service.class, "dotproxy-operator-webhook")).isEmpty();
    assertThat(grants(chart)).noneMatch(g -> g.contains("/pods") || g.contains("/services get,list,watch [kube-dns]")
        || g.contains("mutatingwebhookconfigurations") || g.contains("/secrets create"));
    assertThat(operator(chart).getPorts()).extracting(ContainerPort::getContainerPort).containsExactly(8080);
    assertThat(env(chart)).containsEntry("DOTPROXY_WEBHOOK_ENABLED", "false")
        .doesNotContainKey("DOTPROXY_WEBHOOK_PORT");
    assertBindingsComplete(chart);
  }

  @Test
  void aSingleReplicaWithoutLeaderElectionNeedsNoLease() {
    RenderedChart chart = RenderedChart.render(
        "replicaCount: 1\nleaderElection:\n  enabled: false\nwebhook:\n  enabled: false\n");

    assertThat(grants(chart)).noneMatch(g -> g.contains("leases") || g.contains("selfsubjectrulesreviews"));
    assertThat(chart.all(ClusterRole.class)).extracting(r -> r.getMetadata().getName()).containsExactly("dotproxy-operator");
    assertThat(OperatorSettings.parse(new String[0], env(chart)).leaderElection()).isFalse();
    assertThat(deployment(chart).getSpec().getTemplate().getSpec().getAffinity()).isNull();
  }

  @Test
  void imagesCanBePinnedByDigest() {
    String digest = "sha256:" + "ab".repeat(32);
    RenderedChart chart = RenderedChart.render("image:\n  digest: " + digest + "\nproxyImage:\n  tag: 9.9.9\n");

    assertThat(operator(chart).getImage()).isEqualTo("ghcr.io/dotproxy/operator@" + digest);
    assertThat(OperatorSettings.parse(new String[0], env(chart)).proxyImage()).isEqualTo("ghcr.io/dotproxy/proxy-runtime:9.9.9");
  }

  // --- helpers -------------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value) {
    return (List<Object>) value;
  }

  static Deployment deployment(RenderedChart chart) {
    return chart.one(Deployment.class, FULLNAME);
  }

  static Container operator(RenderedChart chart) {
    return deployment(chart).getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("operator")).findFirst().orElseThrow();
  }

  static MutatingWebhook webhook(RenderedChart chart) {
    return chart.only(MutatingWebhookConfiguration.class).getWebhooks().stream().collect(Collectors.collectingAndThen(
        Collectors.toList(), list -> {
          assertThat(list).hasSize(1);
          return list.get(0);
        }));
  }

  static Map<String, String> env(RenderedChart chart) {
    return env(operator(chart));
  }

  /** The container's environment variables that have a plain value. */
  static Map<String, String> env(Container container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      }
    }
    return env;
  }

  static String appVersion() {
    return RepoFiles.read("charts/dotproxy-operator/Chart.yaml").lines()
        .filter(l -> l.startsWith("appVersion:")).map(l -> l.substring("appVersion:".length()).strip().replace("\"", ""))
        .findFirst().orElseThrow();
  }

  /** Every DOTPROXY_* variable the chart sets names a flag of this operator or of the webhook contract. */
  static void assertOnlyKnownFlags(Map<String, String> env) throws Exception {
    Set<String> known = new TreeSet<>();
    for (OperatorFlag flag : OperatorFlag.values()) {
      known.add(flag.flagName());
    }
    known.addAll(WEBHOOK_FLAGS);
    for (String name : env.keySet()) {
      if (name.startsWith("DOTPROXY_")) {
        String flag = name.substring("DOTPROXY_".length()).toLowerCase().replace('_', '-');
        assertThat(known).as(name + " is not an operator flag").contains(flag);
      }
    }
  }

  /** Like {@link #grants} with each rule's verbs sorted. */
  static Set<String> sortedGrants(RenderedChart chart) {
    Set<String> sorted = new TreeSet<>();
    for (String grant : grants(chart)) {
      String[] parts = grant.split(" ", 4);
      sorted.add(parts[0] + " " + parts[1] + " " + sortedVerbs(Set.of(parts[2].split(","))) + (parts.length > 3 ? " " + parts[3] : ""));
    }
    return sorted;
  }

  /** What the operator's features need, for the settings the chart passes it, in the form of {@link #sortedGrants}. */
  static Set<String> featureGrants(RenderedChart chart) {
    OperatorSettings settings = OperatorSettings.parse(new String[0], env(chart));
    return grantsOf(settings, settings.features().permissions(settings));
  }

  /** {@code permissions} of an operator with {@code settings}, in the form of {@link #sortedGrants}. */
  static Set<String> grantsOf(OperatorSettings settings, List<OperatorFeatures.Permission> permissions) {
    Set<String> grants = new TreeSet<>();
    for (OperatorFeatures.Permission p : permissions) {
      List<String> scopes = switch (p.scope()) {
        case CLUSTER -> List.of("cluster");
        case NAMESPACE -> List.of(p.namespace().orElseThrow());
        case WATCHED_NAMESPACES -> settings.watchNamespaces().isEmpty() ? List.of("cluster") : List.copyOf(settings.watchNamespaces());
      };
      for (String scope : scopes) {
        grants.add(scope + " " + p.apiGroup() + "/" + p.resource() + " " + sortedVerbs(p.verbs())
            + p.resourceName().map(n -> " [" + n + "]").orElse(""));
      }
    }
    return grants;
  }

  private static String sortedVerbs(Set<String> verbs) {
    return String.join(",", new TreeSet<>(verbs));
  }

  /** Each rule as "SCOPE GROUP/RESOURCE VERBS [NAMES]", SCOPE being "cluster" or the Role's namespace. */
  static Set<String> grants(RenderedChart chart) {
    Set<String> grants = new TreeSet<>();
    for (ClusterRole role : chart.all(ClusterRole.class)) {
      role.getRules().forEach(rule -> grants.addAll(grants("cluster", rule)));
    }
    for (Role role : chart.all(Role.class)) {
      role.getRules().forEach(rule -> grants.addAll(grants(role.getMetadata().getNamespace(), rule)));
    }
    return grants;
  }

  private static List<String> grants(String scope, PolicyRule rule) {
    List<String> grants = new ArrayList<>();
    String names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
        ? "" : " [" + String.join(",", rule.getResourceNames()) + "]";
    for (String group : rule.getApiGroups()) {
      for (String resource : rule.getResources()) {
        grants.add(scope + " " + group + "/" + resource + " " + String.join(",", rule.getVerbs()) + names);
      }
    }
    return grants;
  }

  static void assertNoWildcards(RenderedChart chart) {
    List<PolicyRule> rules = new ArrayList<>();
    chart.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
    chart.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
    assertThat(rules).isNotEmpty().allSatisfy(rule -> {
      assertThat(rule.getVerbs()).doesNotContain("*");
      assertThat(rule.getResources()).doesNotContain("*").noneMatch(r -> r.endsWith("/*"));
      assertThat(rule.getApiGroups()).doesNotContain("*");
      assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
      if (rule.getVerbs().contains("create")) {
        assertThat(rule.getResourceNames()).as("create cannot be limited by name").isNullOrEmpty();
      }
    });
    assertThat(chart.all(ClusterRole.class)).allSatisfy(r -> assertThat(r.getAggregationRule()).isNull());
  }

  /** Every Role and ClusterRole is bound, every binding names an existing role and only the chart's ServiceAccount. */
  static void assertBindingsComplete(RenderedChart chart) {
    Set<String> roles = new TreeSet<>();
    chart.all(ClusterRole.class).forEach(r -> roles.add("ClusterRole " + r.getMetadata().getName()));
    chart.all(Role.class).forEach(r -> roles.add("Role " + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()));
    Set<String> bound = new TreeSet<>();
    for (ClusterRoleBinding binding : chart.all(ClusterRoleBinding.class)) {
      RoleRef ref = binding.getRoleRef();
      assertThat(ref.getKind()).isEqualTo("ClusterRole");
      bound.add("ClusterRole " + ref.getName());
      assertOperatorOnly(binding.getSubjects());
    }
    for (RoleBinding binding : chart.all(RoleBinding.class)) {
      RoleRef ref = binding.getRoleRef();
      assertThat(ref.getKind()).isEqualTo("Role");
      bound.add("Role " + binding.getMetadata().getNamespace() + "/" + ref.getName());
      assertOperatorOnly(binding.getSubjects());
    }
    assertThat(bound).isEqualTo(roles);
    assertThat(chart.all(ServiceAccount.class)).extracting(s -> s.getMetadata().getName()).containsExactly(SERVICE_ACCOUNT);
  }

  private static void assertOperatorOnly(List<Subject> subjects) {
    assertThat(subjects).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo(SERVICE_ACCOUNT);
      assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
    });
  }

  /** Kubernetes' "restricted" Pod Security Standard, plus a read-only root filesystem. */
  static void assertRestricted(PodSpec pod) {
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).isNull());
    List<Container> containers = new ArrayList<>(pod.getContainers());
    if (pod.getInitContainers() != null) {
      containers.addAll(pod.getInitContainers());
    }
    assertThat(containers).isNotEmpty().allSatisfy(c -> {
      var sc = c.getSecurityContext();
      assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
      assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
      assertThat(sc.getRunAsNonRoot()).isTrue();
      assertThat(sc.getRunAsUser()).isEqualTo(65532L);
      assertThat(sc.getPrivileged()).isNotEqualTo(Boolean.TRUE);
      assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
      assertThat(c.getPorts()).allSatisfy(p -> assertThat(p.getHostPort()).isNull());
      assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    });
  }
}
