package io.dotproxy.operator.sidecar;

/**
 * Settings for Sidecar mode that both the reconciler (config rendering) and the webhook (injection) use.
 *
 * @param nativeSidecars how the proxy container is injected
 * @param clusterDns the cluster's DNS Service; sidecars forward the cluster domain to its ClusterIP
 * @param clusterDomain the cluster's DNS domain, e.g. cluster.local
 */
public record SidecarSettings(NativeSidecars nativeSidecars, ServiceRef clusterDns, String clusterDomain) {

  public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

  public static SidecarSettings defaults() {
    return new SidecarSettings(NativeSidecars.AUTO, ServiceRef.kubeDns(), DEFAULT_CLUSTER_DOMAIN);
  }
}
