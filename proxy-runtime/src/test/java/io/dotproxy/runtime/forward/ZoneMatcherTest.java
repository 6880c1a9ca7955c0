package io.dotproxy.runtime.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.ForwardZone;
import io.dotproxy.runtime.config.HostPort;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;

class ZoneMatcherTest {

  private final ForwardZone cluster = zone("cluster.local.", "10.96.0.10");
  private final ForwardZone svc = zone("svc.cluster.local.", "10.96.0.11");
  private final ForwardZone corp = zone("corp.example.", "192.0.2.53");
  private final ZoneMatcher matcher = new ZoneMatcher(List.of(cluster, corp, svc));

  @Test
  void matchesTheZoneApexAndNamesBelowIt() throws Exception {
    assertThat(matcher.match(name("cluster.local."))).isSameAs(cluster);
    assertThat(matcher.match(name("pod.ns.pod.cluster.local."))).isSameAs(cluster);
    assertThat(matcher.match(name("corp.example."))).isSameAs(corp);
    assertThat(matcher.match(name("a.b.c.corp.example."))).isSameAs(corp);
  }

  @Test
  void theLongestZoneWins() throws Exception {
    assertThat(matcher.match(name("svc.cluster.local."))).isSameAs(svc);
    assertThat(matcher.match(name("kube-dns.kube-system.svc.cluster.local."))).isSameAs(svc);
    assertThat(matcher.match(name("other.cluster.local."))).isSameAs(cluster);
  }

  @Test
  void ignoresCase() throws Exception {
    assertThat(matcher.match(name("KUBE-DNS.Kube-System.SVC.Cluster.LOCAL."))).isSameAs(svc);
    assertThat(new ZoneMatcher(List.of(zone("Corp.EXAMPLE.", "192.0.2.53")))
        .match(name("www.corp.example."))).isNotNull();
  }

  @Test
  void matchesWholeLabelsOnly() throws Exception {
    assertThat(matcher.match(name("notcluster.local."))).isNull();
    assertThat(matcher.match(name("local."))).isNull();
    assertThat(matcher.match(name("example.com."))).isNull();
    assertThat(matcher.match(name("corp.example.com."))).isNull();
    assertThat(matcher.match(Name.root)).isNull();
  }

  @Test
  void theRootZoneTakesWhatNoOtherZoneMatches() throws Exception {
    ForwardZone root = zone(".", "192.0.2.1");
    ZoneMatcher withRoot = new ZoneMatcher(List.of(root, cluster));
    assertThat(withRoot.match(name("example.com."))).isSameAs(root);
    assertThat(withRoot.match(Name.root)).isSameAs(root);
    assertThat(withRoot.match(name("a.cluster.local."))).isSameAs(cluster);
  }

  @Test
  void theFirstOfTwoEntriesForOneZoneWins() throws Exception {
    ForwardZone again = zone("CLUSTER.local.", "10.0.0.1");
    assertThat(new ZoneMatcher(List.of(cluster, again)).match(name("a.cluster.local.")))
        .isSameAs(cluster);
  }

  @Test
  void noZonesMatchNothing() throws Exception {
    assertThat(new ZoneMatcher(List.of()).match(name("cluster.local."))).isNull();
  }

  private static Name name(String text) throws Exception {
    return Name.fromString(text);
  }

  private static ForwardZone zone(String zone, String server) {
    try {
      return new ForwardZone(Name.fromString(zone),
          List.of(new HostPort(InetAddress.getByName(server), 53)));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
