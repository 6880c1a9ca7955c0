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

  /**
   * What a later kubeadm writes on upgrade: the same, but the cache leaves cluster names alone. An
   * upgrade replaces the whole ConfigMap, dotproxy's block included.
   */
  public static final String KUBEADM_UPGRADED = KUBEADM.replace("    cache 30\n", """
          cache 30 {
             disable success cluster.local
             disable denial cluster.local
          }
      """);

  /** A server block an administrator adds for a company zone. */
  public static final String CORP_ZONE = """
      corp.example:53 {
          errors
          forward . 10.0.0.53
      }
      """;
}
