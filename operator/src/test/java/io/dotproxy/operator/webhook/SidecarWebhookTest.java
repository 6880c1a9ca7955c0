package io.dotproxy.operator.webhook;

import static io.dotproxy.operator.testing.AdmissionReviews.bytes;
import static io.dotproxy.operator.testing.AdmissionReviews.inNamespace;
import static io.dotproxy.operator.testing.AdmissionReviews.pod;
import static io.dotproxy.operator.testing.AdmissionReviews.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dotproxy.operator.model.DnsOverTlsProxy;
import io.dotproxy.operator.model.ProxyMode;
import io.dotproxy.operator.sidecar.NativeSidecars;
import io.dotproxy.operator.sidecar.ServiceRef;
import io.dotproxy.operator.sidecar.SidecarSettings;
import io.dotproxy.operator.testing.AdmissionReviews;
import io.dotproxy.operator.testing.AdmissionReviews.Answer;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.dotproxy.operator.testing.TestProxies;
import io.dotproxy.operator.testing.TestSettings;
import io.dotproxy.operator.testing.WebhookClient;
import io.dotproxy.operator.webhook.tls.CertificateLifetimes;
import io.dotproxy.operator.events.EventRecorder;
import io.dotproxy.operator.events.ProxyEvents;
import io.dotproxy.operator.sidecar.ClusterCapabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The webhook over real HTTPS, called like kube-apiserver calls it (TLS verified against the caBundle the
 * operator put into the webhook configuration), with AdmissionReviews shaped like the API server's; the
 * returned patch is applied with the JSON-patch library and the resulting pod checked field by field.
 */
@EnableKubernetesMockClient(crud = true)
class SidecarWebhookTest {

  static final String IMAGE = "registry.example/dotproxy/proxy-runtime:test";
  static final String OPERATOR_NS = TestSettings.OPERATOR_NAMESPACE;
  static final String SERVER_NAME = "dotproxy-operator-webhook." + OPERATOR_NS + ".svc";

  static KubernetesMockServer server;
  static KubernetesClient client;
  static SidecarWebhook webhook;
  static WebhookClient apiServer;
  static EventRecorder events;

  @BeforeAll
  static void startWebhook() {
    new MockCluster(server, client).withCrd()
        .withNamespaces(OPERATOR_NS, "shop", "blog", "legacy", "broken", "kube-system")
        .withKubernetesVersion("1", "30")
        .withNode("node-1", "linux", "v1.30.2")
        .withWebhookConfiguration("dotproxy-operator", OPERATOR_NS, "inject.dotproxy.io");
    sidecarProxy("shop", "edge", null);
    DnsOverTlsProxy blog = sidecarProxy("blog", "edge", "registry.example/dotproxy/proxy-runtime:blog");
    blog.getSpec().setResources(new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("10m")).addToLimits("memory", new Quantity("64Mi")).build());
    client.resource(blog).update();
    client.resource(TestProxies.quad9("legacy", "edge")).create(); // DaemonSet mode
    // A mode from a newer CRD: the webhook's cache must still sync, and not use it.
    TestProxies.createRaw(client, "broken", "edge", "{\"mode\": \"Gateway\", \"upstreams\": [{\"address\": \"9.9.9.9\"}]}");
    events = new EventRecorder(client, Clock.systemUTC());
    webhook = SidecarWebhook.start(client, ClusterCapabilities.Version.read(client), TestSettings.operatorModeWebhook(),
        new SidecarSettings(NativeSidecars.AUTO, ServiceRef.kubeDns(), "cluster.local"), Set.of(), IMAGE,
        new SimpleMeterRegistry(), Clock.systemUTC(), CertificateLifetimes.DEFAULTS, new ProxyEvents(events));
    Eventually.until("the webhook to be ready", () -> webhook.isReady(), ready -> ready);
    apiServer = new WebhookClient(webhook.port(), SERVER_NAME, caBundle());
  }

  @AfterAll
  static void stopWebhook() {
    if (webhook != null) {
      webhook.close();
    }
    if (events != null) {
      events.close();
    }
  }

  static DnsOverTlsProxy sidecarProxy(String namespace, String name, String image) {
    DnsOverTlsProxy proxy = TestProxies.quad9(namespace, name);
    proxy.getSpec().setMode(ProxyMode.SIDECAR);
    proxy.getSpec().setImage(image);
    return client.resource(proxy).create();
  }

  /** The caBundle as the API server reads it from the webhook configuration. */
  static String caBundle() {
    return new MockCluster(server, client).caBundle("dotproxy-operator");
  }

  static Answer admit(ObjectNode review) {
    WebhookClient.Reply reply = apiServer.post("/mutate-pods", bytes(review));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    Answer answer = Answer.parse(reply.body());
    assertThat(answer.review().path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
    assertThat(answer.review().path("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(answer.uid()).isEqualTo(request(review).path("uid").asText());
    assertThat(answer.allowed()).isTrue();
    return answer;
  }

  @Test
  void injectsADeploymentPodAsANativeSidecar() {
    ObjectNode review = AdmissionReviews.load("deployment-pod.json");
    Pod before = AdmissionReviews.originalPod(review);

    Answer answer = admit(review);

    assertThat(answer.response().path("patchType").asText()).isEqualTo("JSONPatch");
    assertThat(answer.warnings()).isEmpty();
    // The patch touches nothing but what the proxy needs.
    for (JsonNode op : answer.patch().orElseThrow()) {
      assertThat(op.path("op").asText()).isIn("add", "replace");
      assertThat(op.path("path").asText()).matches(
          "/metadata/annotations/dotproxy.io~1injected|/spec/initContainers|/spec/volumes/[123]"
              + "|/spec/dnsPolicy|/spec/dnsConfig|/spec/securityContext/sysctls");
    }
    Pod pod = answer.patchedPod(review);

    assertThat(pod.getMetadata().getName()).isNull();
    assertThat(pod.getMetadata().getGenerateName()).isEqualTo("web-7c9f8d6b5d-");
    assertThat(pod.getMetadata().getAnnotations())
        .containsEntry("dotproxy.io/injected", "true")
        .containsEntry("kubectl.kubernetes.io/restartedAt", "2025-03-01T10:00:00Z");
    assertThat(pod.getMetadata().getLabels()).isEqualTo(before.getMetadata().getLabels());
    assertThat(pod.getMetadata().getOwnerReferences()).isEqualTo(before.getMetadata().getOwnerReferences());

    Container proxy = pod.getSpec().getInitContainers().get(0);
    assertThat(pod.getSpec().getInitContainers()).hasSize(1);
    assertThat(proxy.getName()).isEqualTo("dotproxy");
    assertThat(proxy.getImage()).isEqualTo(IMAGE);
    assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
    assertThat(proxy.getArgs()).containsExactly("--config", "/etc/dotproxy/config.yaml");
    assertThat(proxy.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("dotproxy-admin");
      assertThat(p.getContainerPort()).isEqualTo(9153);
    });
    assertThat(proxy.getResources().getRequests()).containsEntry("cpu", new Quantity("50m")).containsEntry("memory", new Quantity("128Mi"));
    assertThat(proxy.getResources().getLimits()).containsOnly(Map.entry("memory", new Quantity("256Mi")));
    assertThat(proxy.getStartupProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(proxy.getStartupProbe().getHttpGet().getPort()).isEqualTo(new IntOrString(9153));
    assertThat(proxy.getStartupProbe().getPeriodSeconds()).isEqualTo(1);
    assertThat(proxy.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(proxy.getReadinessProbe()).isNull();
    var sc = proxy.getSecurityContext();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getRunAsUser()).isEqualTo(65532L);
    assertThat(sc.getRunAsGroup()).isEqualTo(65532L);
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(proxy.getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("dotproxy-config:/etc/dotproxy:true", "dotproxy-tmp:/tmp:null",
            "dotproxy-no-token:/var/run/secrets/kubernetes.io/serviceaccount:true");
    assertThat(proxy.getVolumeMounts()).allSatisfy(m -> assertThat(m.getSubPath()).isNull());

    assertThat(pod.getSpec().getContainers()).isEqualTo(before.getSpec().getContainers());
    assertThat(pod.getSpec().getVolumes()).hasSize(4);
    assertThat(pod.getSpec().getVolumes().get(0)).isEqualTo(before.getSpec().getVolumes().get(0));
    Volume config = pod.getSpec().getVolumes().get(1);
    assertThat(config.getName()).isEqualTo("dotproxy-config");
    assertThat(config.getConfigMap().getName()).isEqualTo("dotproxy-edge");
    Volume tmp = pod.getSpec().getVolumes().get(2);
    assertThat(tmp.getName()).isEqualTo("dotproxy-tmp");
    assertThat(tmp.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Mi"));

    assertThat(pod.getSpec().getDnsPolicy()).isEqualTo("None");
    assertThat(pod.getSpec().getDnsConfig().getNameservers()).containsExactly("127.0.0.1");
    assertThat(pod.getSpec().getDnsConfig().getSearches())
        .containsExactly("shop.svc.cluster.local", "svc.cluster.local", "cluster.local");
    assertThat(pod.getSpec().getDnsConfig().getOptions()).extracting(PodDNSConfigOption::getName, PodDNSConfigOption::getValue)
        .containsExactly(tuple("ndots", "5"));
    assertThat(pod.getSpec().getSecurityContext().getSysctls()).extracting(Sysctl::getName, Sysctl::getValue)
        .containsExactly(tuple("net.ipv4.ip_unprivileged_port_start", "53"));

    // Everything else is as the API server sent it.
    assertThat(pod.getSpec().getTolerations()).isEqualTo(before.getSpec().getTolerations());
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("default");
    assertThat(pod.getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(pod.getSpec().getEnableServiceLinks()).isTrue();
  }

  @Test
  void putsTheProxyBeforeExistingInitContainersAndMergesACustomDnsConfig() {
    ObjectNode review = AdmissionReviews.load("statefulset-pod-with-init-and-dnsconfig.json");

    Answer answer = admit(review);
    Pod pod = answer.patchedPod(review);

    assertThat(pod.getMetadata().getName()).isEqualTo("db-0");
    assertThat(pod.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("dotproxy", "fetch-schema");
    assertThat(pod.getSpec().getInitContainers().get(1).getArgs()).contains("https://schemas.example.com/db.sql");
    assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("postgres");
    assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("data", "kube-api-access-q8v4m", "dotproxy-config", "dotproxy-tmp", "dotproxy-no-token");
    // Its own uid for the proxy, whatever the pod's securityContext says.
    assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(999L);
    assertThat(pod.getSpec().getInitContainers().get(0).getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSpec().getSecurityContext().getSysctls()).extracting(Sysctl::getName)
        .containsExactly("net.ipv4.tcp_keepalive_time", "net.ipv4.ip_unprivileged_port_start");

    var dns = pod.getSpec().getDnsConfig();
    assertThat(pod.getSpec().getDnsPolicy()).isEqualTo("None");
    assertThat(dns.getNameservers()).containsExactly("127.0.0.1");
    assertThat(dns.getSearches())
        .containsExactly("shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example");
    assertThat(dns.getOptions()).extracting(PodDNSConfigOption::getName, PodDNSConfigOption::getValue)
        .containsExactly(tuple("ndots", "2"), tuple("edns0", null));
    assertThat(answer.warnings()).singleElement().asString().contains("10.0.0.2").contains("127.0.0.1");
  }

  @Test
  void takesImageAndResourcesFromTheProxy() {
    ObjectNode review = inNamespace(AdmissionReviews.load("deployment-pod.json"), "blog");

    Pod pod = admit(review).patchedPod(review);

    Container proxy = pod.getSpec().getInitContainers().get(0);
    assertThat(proxy.getImage()).isEqualTo("registry.example/dotproxy/proxy-runtime:blog");
    assertThat(proxy.getResources().getRequests()).containsOnly(Map.entry("cpu", new Quantity("10m")));
    assertThat(proxy.getResources().getLimits()).containsOnly(Map.entry("memory", new Quantity("64Mi")));
    assertThat(pod.getSpec().getDnsConfig().getSearches()).first().isEqualTo("blog.svc.cluster.local");
  }

  @Test
  void theInjectedProxyRunsItsJvmForFootprintWithC1Only() {
    ObjectNode review = inNamespace(AdmissionReviews.load("deployment-pod.json"), "blog");

    Container proxy = admit(review).patchedPod(review).getSpec().getInitContainers().get(0);

    assertThat(proxy.getEnv()).extracting(env -> env.getName() + "=" + env.getValue())
        .contains("JDK_JAVA_OPTIONS=-XX:TieredStopAtLevel=1");
  }

  @Test
  void withoutNativeSidecarsTheProxyIsTheFirstOrdinaryContainer() {
    // A second replica, configured for a cluster without native sidecars; it finds the first one's
    // certificates in the Secret, so the same caBundle verifies it.
    try (SidecarWebhook plain = SidecarWebhook.start(client, TestSettings.operatorModeWebhook(),
        new SidecarSettings(NativeSidecars.FALSE, ServiceRef.kubeDns(), "cluster.local"), Set.of(), IMAGE,
        new SimpleMeterRegistry(), Clock.systemUTC(), CertificateLifetimes.DEFAULTS)) {
      Eventually.until("the second webhook to be ready", plain::isReady, ready -> ready);
      ObjectNode review = AdmissionReviews.load("statefulset-pod-with-init-and-dnsconfig.json");

      WebhookClient.Reply reply = new WebhookClient(plain.port(), SERVER_NAME, caBundle()).post("/mutate-pods", bytes(review));
      Pod pod = Answer.parse(reply.body()).patchedPod(review);

      assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("dotproxy", "postgres");
      assertThat(pod.getSpec().getContainers().get(0).getRestartPolicy()).isNull();
      assertThat(pod.getSpec().getContainers().get(0).getStartupProbe().getHttpGet().getPath()).isEqualTo("/livez");
      assertThat(pod.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("fetch-schema");
      assertThat(pod.getSpec().getDnsPolicy()).isEqualTo("None");
      assertThat(Answer.parse(reply.body()).warnings()).anySatisfy(w -> assertThat(w).contains("init containers"));
    }
  }

  @Test
  void anInjectedPodIsNotInjectedAgain() {
    ObjectNode review = AdmissionReviews.load("deployment-pod.json");
    ObjectNode injected = admit(review).patchedJson(review);

    // What reinvocation (reinvocationPolicy: IfNeeded) sends: the pod as it is after the first pass.
    ObjectNode again = AdmissionReviews.load("deployment-pod.json");
    request(again).set("object", injected);
    Answer second = admit(again);

    assertThat(second.patch()).isEmpty();
    assertThat(second.warnings()).isEmpty();
    assertThat(second.patchedJson(again)).isEqualTo(injected);
  }

  @Test
  void aHostNetworkPodIsLeftAloneWithAWarning() throws Exception {
    ObjectNode review = AdmissionReviews.load("deployment-pod.json");
    ((ObjectNode) pod(review).get("spec")).put("hostNetwork", true);

    Answer answer = admit(review);

    assertThat(answer.patch()).isEmpty();
    assertThat(answer.warnings()).singleElement().asString().contains("hostNetwork");
    // ...and the proxy it asked for says so, for whoever looks at it rather than at the pod's creator
    events.flush(Duration.ofSeconds(10));
    assertThat(client.v1().events().inNamespace("shop").list().getItems())
        .filteredOn(e -> e.getReason().equals(ProxyEvents.INJECTION_SKIPPED))
        .anySatisfy(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getInvolvedObject().getName()).isEqualTo("edge");
          assertThat(e.getInvolvedObject().getKind()).isEqualTo("DnsOverTlsProxy");
          assertThat(e.getMessage()).startsWith("pod shop/").contains("was created without the proxy:", "hostNetwork");
        });
  }

  @Test
  void aDaemonSetModeProxyLeavesThePodUnchangedWithAWarning() {
    ObjectNode review = inNamespace(AdmissionReviews.load("deployment-pod.json"), "legacy");

    Answer answer = admit(review);

    assertThat(answer.patch()).isEmpty();
    assertThat(answer.warnings()).singleElement().asString().contains("DaemonSet mode");
  }

  @Test
  void aProxyWhoseSpecCannotBeReadLeavesThePodUnchangedWithAWarning() {
    ObjectNode review = inNamespace(AdmissionReviews.load("deployment-pod.json"), "broken");

    Answer answer = admit(review);

    assertThat(answer.patch()).isEmpty();
    assertThat(answer.warnings()).singleElement().asString()
        .contains("the spec of DnsOverTlsProxy edge cannot be read: spec.mode: \"Gateway\" is not one of DaemonSet, Sidecar");
  }

  @Test
  void podsInKubeSystemAndInTheOperatorsNamespaceAreNeverInjected() {
    for (String namespace : List.of("kube-system", OPERATOR_NS)) {
      ObjectNode review = inNamespace(AdmissionReviews.load("deployment-pod.json"), namespace);

      Answer answer = admit(review);

      assertThat(answer.patch()).as(namespace).isEmpty();
      assertThat(answer.warnings()).as(namespace).singleElement().asString().contains("never injected");
    }
  }

  @Test
  void aPodAlreadyUsingTheProxysPortIsLeftAloneWithAWarning() {
    ObjectNode review = AdmissionReviews.load("deployment-pod.json");
    ((ObjectNode) pod(review).get("spec").get("containers").get(0).get("ports").get(0)).put("containerPort", 9153);

    Answer answer = admit(review);

    assertThat(answer.patch()).isEmpty();
    assertThat(answer.warnings()).singleElement().asString().contains("port 9153");
  }

  @Test
  void whatIsNotAPodCreateIsAllowedUnchanged() {
    ObjectNode review = AdmissionReviews.load("deployment-pod.json");
    request(review).put("operation", "UPDATE");

    Answer answer = admit(review);

    assertThat(answer.patch()).isEmpty();
  }

  @Test
  void aBodyThatIsNoAdmissionReviewIsABadRequest() {
    assertThat(apiServer.post("/mutate-pods", "{\"kind\":\"Pod\"}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(400);
    assertThat(apiServer.post("/mutate-pods", "not json".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(400);
    assertThat(apiServer.post("/elsewhere", "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
  }

  /**
   * 64 admissions at once, 8 at a time, of every kind the webhook answers differently: injections for
   * two proxies with different images and two pod shapes, and skips for a DaemonSet-mode proxy, an
   * unreadable one, a missing one, an opt-out and a hostNetwork pod. Each must get exactly the patch and
   * warnings a request of its kind gets alone: nothing of one request leaks into another's answer.
   */
  @Test
  void concurrentAdmissionsOfMixedPodsAndProxiesEachGetTheAnswerTheyGetAlone() throws Exception {
    List<Consumer<ObjectNode>> kinds = List.of(
        review -> inNamespace(review, "shop"),
        review -> inNamespace(review, "blog"),
        review -> inNamespace(review, "legacy"),
        review -> inNamespace(review, "broken"),
        review -> {
          ObjectNode metadata = (ObjectNode) pod(review).get("metadata");
          (metadata.has("annotations") ? (ObjectNode) metadata.get("annotations") : metadata.putObject("annotations"))
              .put("dotproxy.io/inject", "false");
        },
        review -> ((ObjectNode) pod(review).get("metadata").get("labels")).put("dotproxy.io/proxy", "nonexistent"),
        review -> ((ObjectNode) pod(review).get("spec")).put("hostNetwork", true));
    List<ObjectNode> reviews = new ArrayList<>();
    Map<String, Answer> aloneByKind = new HashMap<>();
    for (int i = 0; i < 64; i++) {
      // Every eighth a StatefulSet pod with init containers and its own dnsConfig.
      String fixture = i % 8 == 7 ? "statefulset-pod-with-init-and-dnsconfig.json" : "deployment-pod.json";
      ObjectNode review = AdmissionReviews.load(fixture);
      kinds.get(i % kinds.size()).accept(review);
      aloneByKind.computeIfAbsent(kindOf(i, kinds.size()), k -> admit(review.deepCopy()));
      ((ObjectNode) pod(review).get("metadata")).put("generateName", "pod-" + i + "-");
      reviews.add(review);
    }

    ExecutorService callers = Executors.newFixedThreadPool(8);
    List<Answer> together = new ArrayList<>();
    try {
      List<Callable<Answer>> calls = reviews.stream().<Callable<Answer>>map(review -> () -> admit(review)).toList();
      for (Future<Answer> answer : callers.invokeAll(calls)) {
        together.add(answer.get());
      }
    } finally {
      callers.shutdownNow();
    }

    assertThat(aloneByKind).hasSize(14);
    for (int i = 0; i < reviews.size(); i++) {
      Answer alone = aloneByKind.get(kindOf(i, kinds.size()));
      Answer answer = together.get(i);
      assertThat(answer.patch()).as("pod %d", i).isEqualTo(alone.patch());
      assertThat(answer.warnings()).as("pod %d", i).isEqualTo(alone.warnings());
      // The first two kinds are injected, the rest are not (the other tests check each kind in detail).
      assertThat(answer.patch().isPresent()).as("pod %d injected", i).isEqualTo(i % kinds.size() < 2);
      if (answer.patch().isPresent()) {
        String namespace = request(reviews.get(i)).path("namespace").asText();
        Pod pod = answer.patchedPod(reviews.get(i));
        assertThat(pod.getMetadata().getGenerateName()).isEqualTo("pod-" + i + "-");
        assertThat(pod.getSpec().getDnsConfig().getSearches()).first().isEqualTo(namespace + ".svc.cluster.local");
        assertThat(pod.getSpec().getInitContainers().get(0).getImage())
            .isEqualTo(namespace.equals("blog") ? "registry.example/dotproxy/proxy-runtime:blog" : IMAGE);
      }
    }
  }

  /** Which of the kinds of {@link #concurrentAdmissionsOfMixedPodsAndProxiesEachGetTheAnswerTheyGetAlone}, and which pod. */
  private static String kindOf(int request, int kinds) {
    return (request % kinds) + (request % 8 == 7 ? "/statefulset" : "/deployment");
  }
}
