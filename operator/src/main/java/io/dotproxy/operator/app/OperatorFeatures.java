package io.dotproxy.operator.app;

import io.dotproxy.operator.coredns.NodeLocalDnsCache;
import io.dotproxy.operator.webhook.CertMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What this operator does, decided once from its settings. The one list that decides which informers
 * run (an informer the RBAC does not allow stops the operator at start-up) and which permissions it
 * needs ({@link #permissions()}: the chart grants exactly these, and the tests hold the chart and the
 * real API server's answers to them).
 *
 * @param coreDnsPatch the CoreDNS patch is allowed: CoreDNS's ConfigMap is watched and written
 * @param sidecarInjection the injection webhook runs: labelled pods, the cluster DNS Service and the cluster's
 *     ranges (Nodes' pod ranges, ServiceCIDRs) are watched, and with {@code --native-sidecars auto} the
 *     Nodes' kubelet versions
 * @param managedWebhookCertificates the operator keeps the webhook's CA and certificate in a Secret and the
 *     MutatingWebhookConfiguration's caBundle in step (webhook on, certificate mode operator)
 * @param leaderElection only the holder of the Lease reconciles
 * @param trustedCaSecrets spec.trustedCA.secretRef can be read
 */
public record OperatorFeatures(
    boolean coreDnsPatch,
    boolean sidecarInjection,
    boolean managedWebhookCertificates,
    boolean leaderElection,
    boolean trustedCaSecrets) {

  public static OperatorFeatures of(OperatorSettings settings) {
    return new OperatorFeatures(
        settings.coreDnsPatch(),
        settings.webhook().enabled(),
        settings.webhook().enabled() && settings.webhook().certMode() == CertMode.OPERATOR,
        settings.leaderElection(),
        settings.trustedCaSecrets());
  }

  /** One RBAC rule: where (a namespace, the watched namespaces, or the cluster), what and how. */
  public record Permission(Scope scope, Optional<String> namespace, String apiGroup, String resource,
      Optional<String> resourceName, Set<String> verbs, String why) {}

  /**
   * Where a permission applies: in each watched namespace (the whole cluster when all are watched),
   * in one named namespace, or cluster-wide.
   */
  public enum Scope { WATCHED_NAMESPACES, NAMESPACE, CLUSTER }

  /**
   * Everything the operator may ask the API server, given {@code settings}' namespaces and names.
   * Each line names the code that needs it.
   */
  public List<Permission> permissions(OperatorSettings settings) {
    List<Permission> p = new ArrayList<>();
    p.add(watched("dotproxy.io", "dnsovertlsproxies", Set.of("get", "list", "watch", "update", "patch"),
        "the reconciler's primary resource (finalizer added and removed with update/patch)"));
    p.add(watched("dotproxy.io", "dnsovertlsproxies/status", Set.of("get", "update", "patch"), "status"));
    p.add(watched("dotproxy.io", "dnsovertlsproxies/finalizers", Set.of("update"),
        "owner references with blockOwnerDeletion where OwnerReferencesPermissionEnforcement is on"));
    p.add(watched("", "configmaps", Set.of("get", "list", "watch", "create", "update", "patch", "delete"),
        "the proxies' configmaps (dependents; their informer selects managed-by=dotproxy-operator), and"
            + " spec.trustedCA.configMapRef, read by name and watched (names, uids and resourceVersions only)"
            + " so that a rotated bundle is applied at once"));
    p.add(watched("", "services", Set.of("get", "list", "watch", "create", "update", "patch", "delete"),
        "the proxies' services (dependents; their informer selects managed-by=dotproxy-operator)"));
    p.add(watched("apps", "daemonsets", Set.of("get", "list", "watch", "create", "update", "patch", "delete"),
        "the proxies' DaemonSets"));
    p.add(watched("", "events", Set.of("list", "create", "patch"),
        "a fleet's DaemonSet's FailedCreate events, listed while its pods are missing: the API server refusing the"
            + " default priority class system-node-critical is seen only there (PodCreationRefusals); and the"
            + " Events recorded on DnsOverTlsProxies, created and then patched with a higher count (EventRecorder)"));
    if (trustedCaSecrets) {
      p.add(watched("", "secrets", Set.of("get"), "spec.trustedCA.secretRef, read by name on each reconciliation and polled by name for its resourceVersion"
          + " so that a rotated bundle is applied within seconds (no list or watch: those cannot be limited to some Secrets)"));
    }
    if (sidecarInjection) {
      p.add(watched("", "pods", Set.of("get", "list", "watch"), "labelled pods, counted in the Sidecar-mode status"));
      p.add(named(settings.sidecar().clusterDns().namespace(), "", "services", settings.sidecar().clusterDns().name(),
          Set.of("get", "list", "watch"), "the cluster DNS Service, whose IP sidecars forward the cluster domain to"));
      p.add(new Permission(Scope.CLUSTER, Optional.empty(), "", "nodes", Optional.empty(), Set.of("list", "watch"),
          "the nodes' pod ranges, whose reverse zones sidecars forward to the cluster DNS (an informer keeping only"
              + " spec.podCIDRs); with --native-sidecars auto also their kubelet versions: native sidecars only while"
              + " every Linux node's kubelet runs them (an informer)"));
      p.add(new Permission(Scope.CLUSTER, Optional.empty(), "networking.k8s.io", "servicecidrs", Optional.empty(),
          Set.of("list", "watch"), "Kubernetes 1.33 and later: the service ranges, whose reverse zones sidecars forward"
              + " to the cluster DNS (an informer; not read before 1.33)"));
    }
    if (coreDnsPatch) {
      p.add(named(settings.coreDns().namespace(), "", "configmaps", settings.coreDns().configMapName(),
          Set.of("get", "list", "watch", "update"), "CoreDNS's Corefile (list and watch carry a metadata.name field selector)"));
      p.add(named(settings.coreDns().namespace(), "", "configmaps", NodeLocalDnsCache.CONFIG_MAP, Set.of("get"),
          "NodeLocal DNSCache's Corefile, read by name: if it sends names outside the cluster past CoreDNS, the patch is refused"));
      p.add(watched("", "endpoints", Set.of("get"),
          "the fleet Service's Endpoints, read by name before the first switch: where a proxy is ready"));
      p.add(named(settings.sidecar().clusterDns().namespace(), "", "endpoints", settings.sidecar().clusterDns().name(),
          Set.of("get"), "the cluster DNS Service's Endpoints, read by name before the first switch: where CoreDNS runs"));
    }
    if (leaderElection) {
      String leaseNamespace = settings.leaseNamespace().orElse(settings.webhook().operatorNamespace().orElse("default"));
      p.add(new Permission(Scope.NAMESPACE, Optional.of(leaseNamespace), "coordination.k8s.io", "leases", Optional.empty(),
          Set.of("create"), "the leader Lease, created on first start (create cannot be limited by name)"));
      p.add(named(leaseNamespace, "coordination.k8s.io", "leases", settings.leaseName(),
          Set.of("get", "update", "patch"), "the leader Lease (fabric8's LeaseLock renews with PATCH)"));
      p.add(new Permission(Scope.CLUSTER, Optional.empty(), "authorization.k8s.io", "selfsubjectrulesreviews",
          Optional.empty(), Set.of("create"), "JOSDK checks its Lease permissions at start-up"));
    }
    if (managedWebhookCertificates) {
      String namespace = settings.webhook().operatorNamespace().orElse("default");
      p.add(new Permission(Scope.NAMESPACE, Optional.of(namespace), "", "secrets", Optional.empty(), Set.of("create"),
          "the webhook's CA and serving certificate, created on first start"));
      p.add(named(namespace, "", "secrets", settings.webhook().secretName(), Set.of("get", "update"),
          "the webhook's CA and serving certificate"));
      p.add(new Permission(Scope.CLUSTER, Optional.empty(), "admissionregistration.k8s.io", "mutatingwebhookconfigurations",
          Optional.of(settings.webhook().configName()), Set.of("get", "patch"), "the webhook's caBundle"));
    }
    return List.copyOf(p);
  }

  /**
   * Everything {@code operator.jar uninstall} (the chart's pre-delete hook) may ask the API server, for
   * the operator with {@code settings} run by Deployment {@code deployment}. Its own ServiceAccount has
   * these, not the operator's: it needs to stop the operator, which the operator never does itself, and
   * none of the operator's create or watch rights.
   */
  public List<Permission> uninstallPermissions(OperatorSettings settings, String deployment) {
    String namespace = settings.webhook().operatorNamespace().orElse("default");
    List<Permission> p = new ArrayList<>();
    p.add(named(namespace, "apps", "deployments", deployment, Set.of("get", "patch"),
        "scale the operator to zero, so that it cannot put a finalizer or a CoreDNS block back"));
    p.add(new Permission(Scope.NAMESPACE, Optional.of(namespace), "", "pods", Optional.empty(), Set.of("list"),
        "wait until the operator's pods are gone (list cannot be limited by name)"));
    if (leaderElection) {
      p.add(named(settings.leaseNamespace().orElse(namespace), "coordination.k8s.io", "leases", settings.leaseName(),
          Set.of("get"), "wait until the leader Lease is released or expires: nothing reconciles any more"));
    }
    if (coreDnsPatch) {
      p.add(named(settings.coreDns().namespace(), "", "configmaps", settings.coreDns().configMapName(),
          Set.of("get", "update"), "remove the dotproxy blocks from CoreDNS's Corefile"));
    }
    p.add(watched("dotproxy.io", "dnsovertlsproxies", Set.of("list", "patch"),
        "remove the operator's finalizer from every DnsOverTlsProxy"));
    if (managedWebhookCertificates) {
      p.add(named(namespace, "", "secrets", settings.webhook().secretName(), Set.of("delete"),
          "delete the webhook's certificate Secret, which the operator created (Helm does not know it)"));
    }
    return List.copyOf(p);
  }

  private static Permission watched(String group, String resource, Set<String> verbs, String why) {
    return new Permission(Scope.WATCHED_NAMESPACES, Optional.empty(), group, resource, Optional.empty(), verbs, why);
  }

  private static Permission named(String namespace, String group, String resource, String name, Set<String> verbs, String why) {
    return new Permission(Scope.NAMESPACE, Optional.of(namespace), group, resource, Optional.of(name), verbs, why);
  }
}
