package io.dotproxy.operator.sidecar;

/** A Service by namespace and name, written NAMESPACE/NAME on the command line. */
public record ServiceRef(String namespace, String name) {

  public static ServiceRef kubeDns() {
    return new ServiceRef("kube-system", "kube-dns");
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
