package io.dotproxy.operator.coredns;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.testing.Corefiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CorefilePatcherTest {

  static final BlockOwner EDGE = new BlockOwner("dns", "edge");

  @Test
  void replacesTheDefaultForwardInsideTheMarkedBlockAndTouchesNothingElse() {
    String patched = patched(Corefiles.KUBEADM, EDGE, "10.96.0.53");

    assertThat(patched).isEqualTo("""
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
            # dotproxy:dns/edge begin
            #|    forward . /etc/resolv.conf {
            #|       max_concurrent 1000
            #|    }
            forward . 10.96.0.53
            # dotproxy:dns/edge end
            cache 30
            loop
            reload
            loadbalance
        }
        """);
  }

  @Test
  void revertRestoresTheOriginalExactly() throws Exception {
    String patched = patched(Corefiles.KUBEADM, EDGE, "10.96.0.53");

    assertThat(CorefilePatcher.revert(patched, EDGE)).isEqualTo(Corefiles.KUBEADM);
  }

  @Test
  void patchingTwiceEqualsPatchingOnce() {
    String once = patched(Corefiles.KUBEADM, EDGE, "10.96.0.53");

    assertThat(patched(once, EDGE, "10.96.0.53")).isEqualTo(once);
  }

  @Test
  void aNewServiceIpReplacesTheForwardButKeepsTheSavedOriginal() throws Exception {
    String moved = patched(patched(Corefiles.KUBEADM, EDGE, "10.96.0.53"), EDGE, "10.96.7.7");

    assertThat(moved).contains("forward . 10.96.7.7").doesNotContain("10.96.0.53");
    assertThat(CorefilePatcher.revert(moved, EDGE)).isEqualTo(Corefiles.KUBEADM);
  }

  @Test
  void revertWithoutOurBlockChangesNothing() throws Exception {
    assertThat(CorefilePatcher.revert(Corefiles.KUBEADM, EDGE)).isSameAs(Corefiles.KUBEADM);
  }

  @Test
  void otherServerBlocksCommentsAndTabsSurviveARoundTrip() throws Exception {
    String corefile = "# cluster DNS\r\n"
        + "example.org:53 {\r\n\tforward . 192.0.2.1\r\n}\r\n"
        + "dns://.:53 {\r\n\terrors # keep\r\n\tforward . 8.8.8.8 8.8.4.4 {\r\n\t\tpolicy sequential\r\n\t}\r\n\tcache 30\r\n}";

    String patched = patched(corefile, EDGE, "10.96.0.53");

    assertThat(patched).contains("example.org:53 {\r\n\tforward . 192.0.2.1\r\n}")
        .contains("\t# dotproxy:dns/edge begin\r\n\t#|\tforward . 8.8.8.8 8.8.4.4 {\r\n")
        .contains("\tforward . 10.96.0.53\r\n\t# dotproxy:dns/edge end\r\n\tcache 30");
    assertThat(CorefilePatcher.revert(patched, EDGE)).isEqualTo(corefile);
  }

  @Test
  void aDefaultBlockWithoutForwardGetsOneBeforeItsClosingBrace() throws Exception {
    String corefile = ".:53 {\n    errors\n    import custom/*.override\n}\n";

    String patched = patched(corefile, EDGE, "fd00::53");

    assertThat(patched).isEqualTo(".:53 {\n    errors\n    import custom/*.override\n"
        + "    # dotproxy:dns/edge begin\n    forward . fd00::53\n    # dotproxy:dns/edge end\n}\n");
    assertThat(CorefilePatcher.revert(patched, EDGE)).isEqualTo(corefile);
  }

  @Test
  void anotherProxysBlockIsNotOverwritten() {
    String theirs = patched(Corefiles.KUBEADM, new BlockOwner("other", "fleet"), "10.96.1.1");

    assertThat(CorefilePatcher.patch(theirs, EDGE, "10.96.0.53"))
        .isEqualTo(new PatchOutcome.Refused("the Corefile already forwards to the fleet of DnsOverTlsProxy other/fleet;"
            + " only one fleet can serve the default zone"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      ".:53 { forward . 8.8.8.8 }\n",
      "example.org {\n    forward . 192.0.2.1\n}\n",
      ".:53 {\n    forward . 8.8.8.8\n",
      ".:53 {\n    forward example.org 192.0.2.1\n}\n",
      ".:53 {\n    forward . {$UPSTREAM}\n}\n",
      ".:53 {\n    bind 10.0.0.1\n}\n.:53 {\n    bind 10.0.0.2\n}\n",
      ".:53 {\n    # dotproxy:dns/edge begin\n    forward . 10.96.0.53\n}\n",
  })
  void corefilesItCannotPromiseToRestoreAreRefused(String corefile) {
    assertThat(CorefilePatcher.patch(corefile, EDGE, "10.96.0.53")).isInstanceOf(PatchOutcome.Refused.class);
  }

  @Test
  void ownersAreReadFromTheMarkers() {
    String patched = patched(Corefiles.KUBEADM, EDGE, "10.96.0.53");

    assertThat(CorefilePatcher.owners(patched)).containsExactly(EDGE);
    assertThat(CorefilePatcher.owners(Corefiles.KUBEADM)).isEmpty();
  }

  private static String patched(String corefile, BlockOwner owner, String forwardTo) {
    PatchOutcome outcome = CorefilePatcher.patch(corefile, owner, forwardTo);
    assertThat(outcome).isInstanceOf(PatchOutcome.Patched.class);
    return ((PatchOutcome.Patched) outcome).corefile();
  }
}
