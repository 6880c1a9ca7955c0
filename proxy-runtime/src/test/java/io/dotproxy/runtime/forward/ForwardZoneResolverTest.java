package io.dotproxy.runtime.forward;

import static io.dotproxy.runtime.forward.FakePlainDnsServer.answer;
import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.runtime.config.ForwardZone;
import io.dotproxy.runtime.config.HostPort;
import io.dotproxy.runtime.config.PrivacySettings;
import io.dotproxy.runtime.dns.ClientQuery;
import io.dotproxy.runtime.dns.DecodedQuery;
import io.dotproxy.runtime.dns.QueryDecoder;
import io.dotproxy.runtime.dns.Resolver;
import io.dotproxy.runtime.forward.FakePlainDnsServer.Reply;
import io.dotproxy.runtime.metrics.ProxyMetrics;
import io.dotproxy.runtime.privacy.UpstreamQuery;
import io.dotproxy.runtime.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.CookieOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The forward stage against in-process plain-DNS servers on loopback, on the platform's transport
 * (epoll on Linux); {@link ForwardZoneResolverNioTest} repeats it on NIO.
 */
class ForwardZoneResolverTest {

  private static final Name ZONE = name("cluster.local.");
  private static final ForwardLimits QUICK = new ForwardLimits(Duration.ofMillis(200), 256);

  private final Transport transport = transport();
  private final EventLoopGroup group = transport.newEventLoopGroup(2, "forward-test");
  private final EventLoop loop = group.next();
  private final ProxyMetrics metrics = new ProxyMetrics();
  private final List<ClientQuery> passedOn = new CopyOnWriteArrayList<>();
  private final Resolver next = (query, loop) -> {
    passedOn.add(query);
    return CompletableFuture.completedFuture(answerTo(query, "203.0.113.1"));
  };
  private final List<AutoCloseable> servers = new ArrayList<>();

  Transport transport() {
    return Transport.detect();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable server : servers) {
      server.close();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  @Test
  void forwardsNamesInTheZoneOverUdp() throws Exception {
    FakePlainDnsServer kubeDns = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.1"))));
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5), QUICK, kubeDns.hostPort());

    Message answer = resolve(resolver, query("Kubernetes.Default.SVC.cluster.local."));

    assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(addresses(answer)).containsExactly("10.96.0.1");
    assertThat(kubeDns.udpQueries()).isEqualTo(1);
    assertThat(kubeDns.tcpQueries()).isZero();
    assertThat(passedOn).isEmpty();
    assertThat(forwardZoneRequests("cluster.local.")).isEqualTo(1);
  }

  @Test
  void passesNamesOutsideTheZoneToTheNextStage() throws Exception {
    FakePlainDnsServer kubeDns = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.1"))));
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5), QUICK, kubeDns.hostPort());

    Message answer = resolve(resolver, query("example.com."));
    resolve(resolver, query("cluster.local.example.com."));

    assertThat(addresses(answer)).containsExactly("203.0.113.1");
    assertThat(passedOn).hasSize(2);
    assertThat(kubeDns.received).isEmpty();
    assertThat(forwardZoneRequests("cluster.local.")).isZero();
  }

  @Test
  void ignoresRepliesThatDoNotAnswerTheQuery() throws Exception {
    FakePlainDnsServer kubeDns = server((query, tcp) -> {
      Message wrongId = answer(query, "6.6.6.1");
      wrongId.getHeader().setID(query.getHeader().getID() ^ 1);
      Message wrongQuestion = answer(query, "6.6.6.2");
      wrongQuestion.removeAllRecords(Section.QUESTION);
      wrongQuestion.addRecord(Record.newRecord(name("evil.cluster.local."), Type.A, DClass.IN),
          Section.QUESTION);
      Message notAResponse = answer(query, "6.6.6.3");
      notAResponse.getHeader().unsetFlag(Flags.QR);
      Message wrongType = answer(query, "6.6.6.4");
      wrongType.removeAllRecords(Section.QUESTION);
      wrongType.addRecord(Record.newRecord(query.getQuestion().getName(), Type.AAAA, DClass.IN),
          Section.QUESTION);
      return List.of(Reply.of(wrongId), Reply.of(wrongQuestion), Reply.of(notAResponse),
          Reply.of(wrongType), new Reply(new byte[] {1, 2, 3}, false),
          Reply.of(answer(query, "10.96.0.1")));
    });
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5), QUICK, kubeDns.hostPort());

    assertThat(addresses(resolve(resolver, query("a.cluster.local.")))).containsExactly("10.96.0.1");
  }

  @Test
  void neverHearsAnswersFromAnotherSourcePort() throws Exception {
    // A forger on the same host with the right ID and question: the connected socket never sees it.
    FakePlainDnsServer kubeDns = server((query, tcp) -> List.of(
        new Reply(answer(query, "6.6.6.6").toWire(), true),
        new Reply(answer(query, "6.6.6.6").toWire(), true),
        Reply.of(answer(query, "10.96.0.1"))));
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5), QUICK, kubeDns.hostPort());

    for (int i = 0; i < 10; i++) {
      assertThat(addresses(resolve(resolver, query("a.cluster.local.")))).containsExactly("10.96.0.1");
    }
  }

  @Test
  void retriesOverTcpWhenTheUdpAnswerIsTruncated() throws Exception {
    String[] many = new String[100];
    for (int i = 0; i < many.length; i++) {
      many[i] = "10.1.0." + i;
    }
    FakePlainDnsServer kubeDns = server((query, tcp) -> {
      if (tcp) {
        return List.of(Reply.of(answer(query, many)));
      }
      Message truncated = answer(query);
      truncated.getHeader().setFlag(Flags.TC);
      return List.of(Reply.of(truncated));
    });
    // The default attempt timeout: a loaded machine must not turn the one UDP try into two.
    ForwardZoneResolver resolver =
        resolver(Duration.ofSeconds(5), ForwardLimits.DEFAULTS, kubeDns.hostPort());

    Message answer = resolve(resolver, query("big.cluster.local."));

    assertThat(answer.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(addresses(answer)).hasSize(100);
    assertThat(kubeDns.udpQueries()).isEqualTo(1);
    assertThat(kubeDns.tcpQueries()).isEqualTo(1);
  }

  @Test
  void triesTheNextServerWhenOneDoesNotAnswer() throws Exception {
    FakePlainDnsServer silent = server((query, tcp) -> List.of());
    FakePlainDnsServer second = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.2"))));
    ForwardZoneResolver resolver =
        resolver(Duration.ofSeconds(5), QUICK, silent.hostPort(), second.hostPort());

    assertThat(addresses(resolve(resolver, query("a.cluster.local.")))).containsExactly("10.96.0.2");
    assertThat(silent.udpQueries()).isEqualTo(1);
  }

  @Test
  void keepsAskingTheServerThatAnsweredUntilItFails() throws Exception {
    AtomicBoolean firstAnswers = new AtomicBoolean(false);
    AtomicBoolean secondAnswers = new AtomicBoolean(true);
    FakePlainDnsServer first = server((query, tcp) ->
        firstAnswers.get() ? List.of(Reply.of(answer(query, "10.96.0.1"))) : List.of());
    FakePlainDnsServer second = server((query, tcp) ->
        secondAnswers.get() ? List.of(Reply.of(answer(query, "10.96.0.2"))) : List.of());
    ForwardZoneResolver resolver =
        resolver(Duration.ofSeconds(5), QUICK, first.hostPort(), second.hostPort());

    for (int i = 0; i < 5; i++) {
      assertThat(addresses(resolve(resolver, query("a.cluster.local.")))).containsExactly("10.96.0.2");
    }
    assertThat(first.udpQueries()).as("the silent server costs one timeout, once").isEqualTo(1);

    firstAnswers.set(true);
    secondAnswers.set(false);
    for (int i = 0; i < 5; i++) {
      assertThat(addresses(resolve(resolver, query("a.cluster.local.")))).containsExactly("10.96.0.1");
    }
    assertThat(second.udpQueries()).isEqualTo(6);
  }

  @Test
  void triesTheNextServerWhenOneIsNotListening() throws Exception {
    HostPort closed;
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      closed = new HostPort(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }
    FakePlainDnsServer second = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.2"))));
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5),
        new ForwardLimits(Duration.ofSeconds(2), 256), closed, second.hostPort());

    assertThat(addresses(resolve(resolver, query("a.cluster.local.")))).containsExactly("10.96.0.2");
  }

  @Test
  void answersServfailWhenNoServerAnswersInTime() throws Exception {
    FakePlainDnsServer first = server((query, tcp) -> List.of());
    FakePlainDnsServer second = server((query, tcp) -> List.of());
    ForwardZoneResolver resolver =
        resolver(Duration.ofMillis(700), QUICK, first.hostPort(), second.hostPort());

    Message answer = resolve(resolver, query("a.cluster.local."));

    assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
    assertThat(first.udpQueries()).isGreaterThanOrEqualTo(1);
    assertThat(second.udpQueries()).isGreaterThanOrEqualTo(1);
    assertThat(passedOn).as("a zone's names never go to the DoT upstreams").isEmpty();
  }

  @Test
  void boundsTheQueriesInFlight() throws Exception {
    FakePlainDnsServer silent = server((query, tcp) -> List.of());
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(60),
        new ForwardLimits(Duration.ofSeconds(60), 1), silent.hostPort());
    EventLoop one = group.next();

    CompletableFuture<Message> pending = resolver.resolve(query("a.cluster.local."), one);
    Message refused = resolver.resolve(query("b.cluster.local."), one).get(10, TimeUnit.SECONDS);

    assertThat(refused.getRcode()).isEqualTo(Rcode.SERVFAIL);
    assertThat(pending).isNotDone();
  }

  @Test
  void stripsClientSubnetFromForwardedQueries() throws Exception {
    FakePlainDnsServer kubeDns = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.1"))));
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5), QUICK, kubeDns.hostPort());
    Message query = Message.newQuery(Record.newRecord(name("a.cluster.local."), Type.A, DClass.IN));
    query.addRecord(new OPTRecord(4096, 0, 0, 0, List.of(
        new ClientSubnetOption(24, InetAddress.getByName("198.51.100.0")),
        new CookieOption(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))), Section.ADDITIONAL);

    resolve(resolver, decode(query));

    OPTRecord sent = kubeDns.received.get(0).query().getOPT();
    assertThat(sent.getOptions(EDNSOption.Code.CLIENT_SUBNET)).isEmpty();
    assertThat(sent.getOptions(EDNSOption.Code.COOKIE)).as("hop-by-hop, never forwarded").isEmpty();
    assertThat(sent.getOptions(EDNSOption.Code.PADDING)).isEmpty();
    assertThat(sent.getPayloadSize()).isEqualTo(1232);
  }

  @Test
  void usesRandomIdsAndSourcePorts() throws Exception {
    FakePlainDnsServer kubeDns = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.1"))));
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5), QUICK, kubeDns.hostPort());
    for (int i = 0; i < 20; i++) {
      resolve(resolver, query("a.cluster.local."));
    }
    Set<Integer> ids = new HashSet<>();
    Set<Integer> ports = new HashSet<>();
    for (FakePlainDnsServer.Received received : kubeDns.received) {
      ids.add(received.query().getHeader().getID());
      ports.add(received.sender().getPort());
      assertThat(received.sender().getPort()).isGreaterThanOrEqualTo(ForwardExchange.FIRST_PORT);
    }
    assertThat(ids).hasSizeGreaterThan(15);
    assertThat(ports).hasSizeGreaterThan(15);
  }

  @Test
  void aSourcePortThatIsTakenIsReplacedByAnother() throws Exception {
    FakePlainDnsServer kubeDns = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.1"))));
    int free;
    try (DatagramSocket probe = new DatagramSocket(0)) {
      free = probe.getLocalPort();
    }
    try (DatagramSocket taken = new DatagramSocket(0)) {
      // The "random" draws: the ID, then a port someone holds, then a free one.
      Random draws = new Random() {
        private final int[] values = {
          4321, taken.getLocalPort() - ForwardExchange.FIRST_PORT, free - ForwardExchange.FIRST_PORT};
        private int next;

        @Override
        public int nextInt(int bound) {
          return values[next++];
        }
      };
      ForwardZone zone = new ForwardZone(ZONE, List.of(kubeDns.hostPort()));
      CompletableFuture<Message> result = new CompletableFuture<>();
      ClientQuery query = query("a.cluster.local.");
      loop.execute(() -> new ForwardExchange(query, query.message().clone(), new ZoneServers(zone),
          transport, loop, draws, System.nanoTime() + TimeUnit.SECONDS.toNanos(5),
          TimeUnit.SECONDS.toNanos(2), result).start());

      assertThat(addresses(result.get(10, TimeUnit.SECONDS))).containsExactly("10.96.0.1");
      assertThat(kubeDns.received).hasSize(1);
      assertThat(kubeDns.received.get(0).sender().getPort()).isEqualTo(free);
      assertThat(kubeDns.received.get(0).query().getHeader().getID()).isEqualTo(4321);
    }
  }

  @Test
  void closingSocketsNeverTouchesSocketsOpenedMeanwhile() throws Exception {
    // Another thread keeps opening blocking sockets, which take the file descriptor numbers that
    // finished tries release. Reading a released number once more would block an event loop.
    FakePlainDnsServer kubeDns = server((query, tcp) -> List.of(Reply.of(answer(query, "10.96.0.1"))));
    ForwardZoneResolver resolver = resolver(Duration.ofSeconds(5), QUICK, kubeDns.hostPort());
    AtomicBoolean churning = new AtomicBoolean(true);
    Thread churn = new Thread(() -> {
      while (churning.get()) {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
          socket.setSoTimeout(1);
        } catch (Exception e) {
          // a port or descriptor shortage just means another round
        }
      }
    }, "socket-churn");
    churn.start();
    try {
      for (int round = 0; round < 20; round++) {
        List<CompletableFuture<Message>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          answers.add(resolver.resolve(query("a.cluster.local."), group.next()));
        }
        for (CompletableFuture<Message> answer : answers) {
          assertThat(addresses(answer.get(10, TimeUnit.SECONDS))).containsExactly("10.96.0.1");
        }
      }
    } finally {
      churning.set(false);
      churn.join(5_000);
    }
  }

  private FakePlainDnsServer server(FakePlainDnsServer.Behaviour behaviour) {
    FakePlainDnsServer server = new FakePlainDnsServer(group, transport, behaviour);
    servers.add(server);
    return server;
  }

  private ForwardZoneResolver resolver(Duration timeout, ForwardLimits limits, HostPort... servers) {
    return new ForwardZoneResolver(List.of(new ForwardZone(ZONE, List.of(servers))), next,
        transport, timeout, new UpstreamQuery(new PrivacySettings(true, true)), metrics, limits);
  }

  private Message resolve(Resolver resolver, ClientQuery query) throws Exception {
    return resolver.resolve(query, loop).get(10, TimeUnit.SECONDS);
  }

  private static ClientQuery query(String name) {
    Message query = Message.newQuery(Record.newRecord(name(name), Type.A, DClass.IN));
    query.getHeader().setID(4242);
    return decode(query);
  }

  private static ClientQuery decode(Message query) {
    return ((DecodedQuery.Resolve) QueryDecoder.decode(ByteBuffer.wrap(query.toWire()), true)).query();
  }

  private static Message answerTo(ClientQuery query, String address) {
    try {
      return answer(query.message(), address);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> addresses(Message answer) {
    List<String> addresses = new ArrayList<>();
    for (Record record : answer.getSection(Section.ANSWER)) {
      addresses.add(((ARecord) record).getAddress().getHostAddress());
    }
    return addresses;
  }

  private double forwardZoneRequests(String zone) {
    for (MetricSnapshot snapshot : metrics.registry().scrape()) {
      if (snapshot.getMetadata().getName().equals("dotproxy_forward_zone_requests")) {
        return ((CounterSnapshot) snapshot).getDataPoints().stream()
            .filter(point -> zone.equals(point.getLabels().get("zone")))
            .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
            .sum();
      }
    }
    return 0;
  }

  private static Name name(String text) {
    try {
      return Name.fromString(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
