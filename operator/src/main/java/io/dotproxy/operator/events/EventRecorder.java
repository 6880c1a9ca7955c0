package io.dotproxy.operator.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events on the objects the operator manages, the way client-go's event recorder does,
 * which fabric8 lacks:
 *
 * <ul>
 *   <li><b>Deduplicated</b>: an event with the same object, type, reason and message as one recorded
 *       before is not created again; the existing Event's {@code count} goes up and its
 *       {@code lastTimestamp} moves (a merge patch), so `kubectl describe` shows "x5 over 10m".</li>
 *   <li><b>Rate-limited</b> per object: a token bucket of {@value #BURST} events, refilled one every
 *       {@link #REFILL} (client-go's spam filter), so a flapping object cannot flood the API server.</li>
 *   <li><b>Asynchronous and best-effort</b>: recording never blocks or fails a reconciliation; the API
 *       calls run on one thread behind a bounded queue, and a full queue or a failed call drops the event
 *       (logged at debug).</li>
 * </ul>
 */
public class EventRecorder implements AutoCloseable {

  /** The Event's source.component and reportingComponent. */
  public static final String COMPONENT = "dotproxy-operator";

  /** Events an object may get at once (client-go: 25). */
  static final int BURST = 25;

  /** One more event per object after this (client-go: one every 5 minutes). */
  static final Duration REFILL = Duration.ofMinutes(5);

  /** Distinct events remembered for deduplication (client-go: 4096). */
  static final int REMEMBERED = 4096;

  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

  private record Key(String uid, String type, String reason, String message) {}

  private record Recorded(String namespace, String name, int count) {}

  private static final class Bucket {
    double tokens = BURST;
    Instant refilled;

    Bucket(Instant now) {
      refilled = now;
    }
  }

  private final KubernetesClient client;
  private final Clock clock;
  private final ExecutorService sender;
  private final Map<Key, Recorded> recorded = lru();
  private final Map<String, Bucket> buckets = lru();
  private long sequence;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
    this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1000), r -> {
      Thread t = new Thread(r, "dotproxy-events");
      t.setDaemon(true);
      return t;
    }, (task, executor) -> log.debug("event dropped: the queue is full"));
  }

  /** A recorder that records nothing, where the operator runs without Events. */
  public static EventRecorder none() {
    return new EventRecorder(null, Clock.systemUTC()) {
      @Override
      public void normal(HasMetadata object, String reason, String message) {}

      @Override
      public void warning(HasMetadata object, String reason, String message) {}

      @Override
      public void normalOncePerCluster(HasMetadata object, String reason, String message, String nameSuffix) {}
    };
  }

  public void normal(HasMetadata object, String reason, String message) {
    record(object, "Normal", reason, message, Optional.empty());
  }

  public void warning(HasMetadata object, String reason, String message) {
    record(object, "Warning", reason, message, Optional.empty());
  }

  /**
   * A Normal event that every replica may see happen (a certificate they all present), recorded once per
   * cluster: it gets the name {@code <object>.<nameSuffix>}, so the replicas after the first get a 409
   * AlreadyExists, which is taken as recorded.
   */
  public void normalOncePerCluster(HasMetadata object, String reason, String message, String nameSuffix) {
    record(object, "Normal", reason, message, Optional.of(object.getMetadata().getName() + "." + nameSuffix));
  }

  private void record(HasMetadata object, String type, String reason, String message, Optional<String> fixedName) {
    try {
      String text = message == null ? "" : message.length() > 1024 ? message.substring(0, 1021) + "..." : message;
      ObjectReference involved = new ObjectReferenceBuilder()
          .withApiVersion(object.getApiVersion())
          .withKind(object.getKind())
          .withNamespace(object.getMetadata().getNamespace())
          .withName(object.getMetadata().getName())
          .withUid(object.getMetadata().getUid())
          .withResourceVersion(object.getMetadata().getResourceVersion())
          .build();
      Instant now = clock.instant();
      sender.execute(() -> send(involved, type, reason, text, now, fixedName));
    } catch (RuntimeException e) {
      // An Event is worth less than the reconciliation or admission that would fail with it.
      log.debug("event {} not recorded: {}", reason, e.toString());
    }
  }

  /** On the sender thread only: the caches need no locks. */
  private void send(ObjectReference involved, String type, String reason, String message, Instant now,
      Optional<String> fixedName) {
    if (!allowed(involved, now)) {
      log.debug("event {} on {}/{} dropped: over the rate limit", reason, involved.getNamespace(), involved.getName());
      return;
    }
    Key key = new Key(involved.getUid(), type, reason, message);
    String timestamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
    try {
      Recorded previous = recorded.get(key);
      if (previous != null) {
        int count = previous.count() + 1;
        client.v1().events().inNamespace(previous.namespace()).withName(previous.name())
            .patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"count\":" + count + ",\"lastTimestamp\":\"" + timestamp + "\"}");
        recorded.put(key, new Recorded(previous.namespace(), previous.name(), count));
        return;
      }
      Event event = new EventBuilder()
          .withNewMetadata()
          .withNamespace(involved.getNamespace())
          // client-go's naming, the object's name and the time in hexadecimal, plus a sequence number: two
          // events within the clock's resolution must not collide
          .withName(fixedName.orElseGet(() -> involved.getName() + "."
              + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano()) + Long.toHexString(++sequence)))
          .endMetadata()
          .withInvolvedObject(involved)
          .withType(type)
          .withReason(reason)
          .withMessage(message)
          .withCount(1)
          .withFirstTimestamp(timestamp)
          .withLastTimestamp(timestamp)
          .withNewSource().withComponent(COMPONENT).endSource()
          .withReportingComponent(COMPONENT)
          .build();
      Event created = client.v1().events().inNamespace(involved.getNamespace()).resource(event).create();
      recorded.put(key, new Recorded(created.getMetadata().getNamespace(), created.getMetadata().getName(), 1));
    } catch (RuntimeException e) {
      if (fixedName.isPresent() && e instanceof KubernetesClientException k && k.getCode() == 409) {
        log.debug("event {} on {}/{} was recorded by another replica", reason, involved.getNamespace(), involved.getName());
        return;
      }
      // The Event may have expired (the API server keeps them an hour): the next one starts afresh.
      recorded.remove(key);
      log.debug("event {} on {}/{} not recorded: {}", reason, involved.getNamespace(), involved.getName(), e.toString());
    }
  }

  private boolean allowed(ObjectReference involved, Instant now) {
    Bucket bucket = buckets.computeIfAbsent(involved.getUid() + "/" + involved.getName(), k -> new Bucket(now));
    double refills = (double) Duration.between(bucket.refilled, now).toMillis() / REFILL.toMillis();
    bucket.tokens = Math.min(BURST, bucket.tokens + refills);
    bucket.refilled = now;
    if (bucket.tokens < 1) {
      return false;
    }
    bucket.tokens--;
    return true;
  }

  /** Waits until the events recorded so far were sent (or dropped); for tests and shutdown. */
  public void flush(Duration limit) throws InterruptedException {
    try {
      sender.submit(() -> {}).get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("events not sent within " + limit, e);
    }
  }

  @Override
  public void close() {
    sender.shutdown();
  }

  private static <K, V> Map<K, V> lru() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > REMEMBERED;
      }
    };
  }
}
