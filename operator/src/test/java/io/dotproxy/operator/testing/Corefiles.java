package io.dotproxy.operator.testing;

/** Corefiles as distributions ship them. */
public final class Corefiles {

  private Corefiles() {}

  /** kubeadm's default. */
  public static final String KUBEADM = """
      .:53 {
          errors
          health {
             lameduck 5s
          }
          ready
          kubernetes cluster.local in-addr.arpa ip6.arpa {
             pods insecure
             fallthrough in-addr.arpa ip6.arpa
             ttl 30
          }
          prometheus :9153
          forward . /etc/resolv.conf {
             max_concurrent 1000
          }
          cache 30
          loop
          reload
          loadbalance
      }
      """;
}
