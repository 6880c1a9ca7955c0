package io.dotproxy.operator.coredns;

/** Where the cluster keeps its Corefile: a ConfigMap with a "Corefile" key. */
public record CoreDnsLocation(String namespace, String configMapName) {

  public static final String COREFILE_KEY = "Corefile";

  public static CoreDnsLocation kubeadmDefault() {
    return new CoreDnsLocation("kube-system", "coredns");
  }

  @Override
  public String toString() {
    return namespace + "/" + configMapName;
  }
}
