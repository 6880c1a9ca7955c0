package io.dotproxy.operator.testing;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Makes the CRUD mock server look enough like a cluster: the committed CRD installed (so /status is a
 * subresource), namespaces, CoreDNS's ConfigMap, and the parts controllers would do (Service IPs,
 * DaemonSet status).
 */
public final class MockCluster {

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public MockCluster(KubernetesMockServer server, KubernetesClient client) {
    this.server = server;
    this.client = client;
  }

  public static Path committedCrd() {
    return Path.of(System.getProperty("dotproxy.crds.dir", "../crds")).resolve("dnsovertlsproxies.dotproxy.io-v1.yml");
  }

  public MockCluster withCrd() {
    try (InputStream in = Files.newInputStream(committedCrd())) {
      CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).create();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  public MockCluster withNamespaces(String... namespaces) {
    for (String ns : namespaces) {
      client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    return this;
  }

  public MockCluster withCorefile(String corefile) {
    client.resource(new ConfigMapBuilder()
            .withNewMetadata().withNamespace("kube-system").withName("coredns").endMetadata()
            .addToData("Corefile", corefile)
            .build())
        .create();
    return this;
  }

  /** The cluster DNS Service (kube-dns) that sidecars forward the cluster domain to. */
  public MockCluster withClusterDns(String clusterIp) {
    client.resource(new ServiceBuilder()
            .withNewMetadata().withNamespace("kube-system").withName("kube-dns")
            .addToLabels("k8s-app", "kube-dns").endMetadata()
            .withNewSpec().withClusterIP(clusterIp).withClusterIPs(clusterIp)
            .addToSelector("k8s-app", "kube-dns")
            .addNewPort().withName("dns").withPort(53).withProtocol("UDP").endPort()
            .endSpec()
            .build())
        .create();
    return this;
  }

  /** What /version answers; the webhook decides between native sidecars and plain containers from it. */
  public MockCluster withKubernetesVersion(String major, String minor) {
    server.setVersionInfo(new VersionInfo.Builder().withMajor(major).withMinor(minor)
        .withGitVersion("v" + major + "." + minor.replaceAll("[^0-9]", "") + ".0").build());
    return this;
  }

  /** A Node as its kubelet registers it: os label and the kubelet's version and OS. */
  public MockCluster withNode(String name, String os, String kubeletVersion) {
    client.resource(node(name, os, kubeletVersion)).create();
    return this;
  }

  public static Node node(String name, String os, String kubeletVersion) {
    return new NodeBuilder()
        .withNewMetadata().withName(name).addToLabels("kubernetes.io/os", os).endMetadata()
        .withNewStatus().withNewNodeInfo().withKubeletVersion(kubeletVersion).withOperatingSystem(os).endNodeInfo().endStatus()
        .build();
  }

  /** The MutatingWebhookConfiguration as the Helm chart creates it: no caBundle yet. */
  public MockCluster withWebhookConfiguration(String name, String serviceNamespace, String... webhookNames) {
    var builder = new MutatingWebhookConfigurationBuilder().withNewMetadata().withName(name).endMetadata();
    for (String webhook : webhookNames) {
      builder.addNewWebhook()
          .withName(webhook)
          .withAdmissionReviewVersions("v1")
          .withNewClientConfig()
          .withNewService().withName("dotproxy-operator-webhook").withNamespace(serviceNamespace)
          .withPath("/mutate-pods").withPort(443).endService()
          .endClientConfig()
          .withSideEffects("None")
          .withFailurePolicy("Ignore")
          .endWebhook();
    }
    client.resource(builder.build()).create();
    return this;
  }

  /** The caBundle the operator wrote into the webhook configuration {@code name}, as the API server reads it. */
  public String caBundle(String name) {
    MutatingWebhookConfiguration config = Eventually.until("the caBundle of " + name,
        () -> client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name).get(),
        c -> c.getWebhooks().get(0).getClientConfig().getCaBundle() != null);
    return new String(Base64.getDecoder().decode(config.getWebhooks().get(0).getClientConfig().getCaBundle()),
        StandardCharsets.US_ASCII);
  }

  /** The mock knows no RBAC; JOSDK asks before it campaigns for the leader Lease. */
  public MockCluster grantingLeases() {
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder()
            .withNewStatus()
            .addNewResourceRule().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("*").endResourceRule()
            .withIncomplete(false)
            .endStatus()
            .build())
        .always();
    return this;
  }

  /** What the Service IP allocator would do. */
  public void assignClusterIp(String namespace, String service, String ip) {
    Eventually.until("Service " + service, () -> client.services().inNamespace(namespace).withName(service).get(), s -> true);
    client.services().inNamespace(namespace).withName(service).edit(s -> {
      s.getSpec().setClusterIP(ip);
      return s;
    });
  }

  /** What the DaemonSet controller reports once every node runs a ready, current pod. */
  public void reportFleetReady(String namespace, String daemonSet, int nodes) {
    DaemonSet ds = Eventually.until("DaemonSet " + daemonSet,
        () -> client.apps().daemonSets().inNamespace(namespace).withName(daemonSet).get(), d -> true);
    ds.setStatus(new DaemonSetStatusBuilder()
        .withObservedGeneration(ds.getMetadata().getGeneration())
        .withDesiredNumberScheduled(nodes)
        .withCurrentNumberScheduled(nodes)
        .withUpdatedNumberScheduled(nodes)
        .withNumberReady(nodes)
        .withNumberAvailable(nodes)
        .withNumberMisscheduled(0)
        .build());
    client.resource(ds).updateStatus();
  }

  /** A kubeconfig for this mock server, as a user of the operator jar would have one. */
  public Path writeKubeconfig(Path dir) {
    try {
      return Files.writeString(dir.resolve("kubeconfig"), """
          apiVersion: v1
          kind: Config
          clusters:
          - name: mock
            cluster: {server: "%s", insecure-skip-tls-verify: true}
          contexts:
          - name: mock
            context: {cluster: mock, user: operator, namespace: dotproxy-system}
          current-context: mock
          users:
          - name: operator
            user: {token: not-checked-by-the-mock}
          """.formatted(client.getMasterUrl()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String corefile() {
    return client.configMaps().inNamespace("kube-system").withName("coredns").get().getData().get("Corefile");
  }

  public void replaceCorefile(String corefile) {
    client.configMaps().inNamespace("kube-system").withName("coredns").edit(cm -> {
      cm.getData().put("Corefile", corefile);
      return cm;
    });
  }
}
