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

  /**
   * NodeLocal DNSCache's (Kubernetes' cluster/addons/dns/nodelocaldns/nodelocaldns.yaml) as its install
   * instructions leave it: the domain, the link-local and the kube-dns addresses filled in, the other
   * placeholders left for node-cache to replace when it loads the file. Its blocks for the reverse
   * zones, like the cluster domain's, are left out.
   */
  public static final String NODE_LOCAL_DNS = """
      cluster.local:53 {
          errors
          cache {
                  success 9984 30
                  denial 9984 5
          }
          reload
          loop
          bind 169.254.20.10 10.96.0.10
          forward . __PILLAR__CLUSTER__DNS__ {
                  force_tcp
          }
          prometheus :9253
          health 169.254.20.10:8080
          }
      .:53 {
          errors
          cache 30
          reload
          loop
          bind 169.254.20.10 10.96.0.10
          forward . __PILLAR__UPSTREAM__SERVERS__
          prometheus :9253
          }
      """;

  /** The same, with names outside the cluster sent to CoreDNS too. */
  public static final String NODE_LOCAL_DNS_THROUGH_COREDNS = NODE_LOCAL_DNS.replace(
      "forward . __PILLAR__UPSTREAM__SERVERS__", "forward . __PILLAR__CLUSTER__DNS__");
}
