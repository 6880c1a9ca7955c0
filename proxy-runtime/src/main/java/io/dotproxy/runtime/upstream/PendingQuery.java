package io.dotproxy.runtime.upstream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One query on its way to an upstream. Touched only on its event loop; completes exactly once,
 * whichever of answer, failure or timeout comes first.
 */
final class PendingQuery {

  final byte[] wire;
  final int questionLength;
  final CompletableFuture<byte[]> result = new CompletableFuture<>();
  ScheduledFuture<?> timeout;
  UpstreamConnection connection;
  int id = -1;
  long sentNanos;
  boolean retried;

  PendingQuery(byte[] wire) {
    this.wire = wire;
    this.questionLength = WireQuestions.questionLength(wire);
  }

  boolean isDone() {
    return result.isDone();
  }

  void complete(byte[] answer) {
    cancelTimeout();
    result.complete(answer);
  }

  void fail(UpstreamException error) {
    cancelTimeout();
    result.completeExceptionally(error);
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
    }
  }
}
