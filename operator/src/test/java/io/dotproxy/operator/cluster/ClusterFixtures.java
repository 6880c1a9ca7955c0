package io.dotproxy.operator.cluster;

import io.dotproxy.operator.testing.Corefiles;
import io.dotproxy.operator.testing.Eventually;
import io.dotproxy.operator.testing.MockCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * What a cluster has before dotproxy is installed, as kubeadm lays it out, and the CRD installed as
 * users install it. Each call is idempotent: test classes share one control plane.
 */
public final class ClusterFixtures {

  /** kube-dns's ClusterIP, inside the control plane's --service-cluster-ip-range. */
  public static final String KUBE_DNS_IP = "10.0.0.10";

  private ClusterFixtures() {}

  /**
   * The committed CRD, created or updated (as Helm and client-side kubectl apply do) and Established.
   * Not server-side apply: before 1.25 the API server refuses the CRD's x-kubernetes-validations there
   * (500, "field not declared in schema"), where a create or update just drops them.
   */
  public static void installCrd(ControlPlane plane) {
    KubernetesClient client = plane.admin();
    try (InputStream in = Files.newInputStream(MockCluster.committedCrd())) {
      CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).createOr(NonDeletingOperation::update);
      awaitEstablished(plane, crd.getMetadata().getName());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CRD {@code name} once the API server serves its resources. */
  public static CustomResourceDefinition awaitEstablished(ControlPlane plane, String name) {
    return Eventually.until("CRD " + name + " to be Established", Duration.ofSeconds(60),
        () -> plane.admin().apiextensions().v1().customResourceDefinitions().withName(name).get(),
        c -> c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
            .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())));
  }

  /**
   * kube-system/kube-dns (Service) and kube-system/coredns (ConfigMap with kubeadm's Corefile), created
   * if absent. The Corefile is reset to kubeadm's when {@code resetCorefile}.
   */
  public static void installKubeadmDns(ControlPlane plane, boolean resetCorefile) {
    KubernetesClient client = plane.admin();
    if (client.services().inNamespace("kube-system").withName("kube-dns").get() == null) {
      client.resource(new ServiceBuilder()
              .withNewMetadata().withNamespace("kube-system").withName("kube-dns")
              .addToLabels("k8s-app", "kube-dns").endMetadata()
              .withNewSpec().withClusterIP(KUBE_DNS_IP)
              .addToSelector("k8s-app", "kube-dns")
              .addNewPort().withName("dns").withPort(53).withProtocol("UDP").endPort()
              .addNewPort().withName("dns-tcp").withPort(53).withProtocol("TCP").endPort()
              .endSpec()
              .build())
          .create();
    }
    ConfigMap coredns = client.configMaps().inNamespace("kube-system").withName("coredns").get();
    if (coredns == null) {
      client.resource(new ConfigMapBuilder()
              .withNewMetadata().withNamespace("kube-system").withName("coredns").endMetadata()
              .addToData("Corefile", Corefiles.KUBEADM)
              .build())
          .create();
    } else if (resetCorefile) {
      client.configMaps().inNamespace("kube-system").withName("coredns")
          .edit(c -> new ConfigMapBuilder(c).addToData("Corefile", Corefiles.KUBEADM).build());
    }
  }

  /** Deletes every DnsOverTlsProxy in {@code namespace} and waits (at most 60 s) until they are gone. */
  public static void deleteProxies(ControlPlane plane, String namespace) {
    plane.kubectl("delete", "dnsovertlsproxies", "--all", "-n", namespace, "--timeout=60s").assertSuccess();
  }

  /** The Corefile as stored now. */
  public static String corefile(ControlPlane plane) {
    return plane.admin().configMaps().inNamespace("kube-system").withName("coredns").get().getData().get("Corefile");
  }
}
