package io.dotproxy.runtime.listener;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Answer bytes written to TCP clients and not yet handed to the kernel, over every connection of
 * the listeners. A client that stops reading is not read from either ({@link TcpQueryHandler}), but
 * the answers to the queries it already sent still arrive: up to {@link TcpQueryHandler#MAX_IN_FLIGHT}
 * of them, each up to 64 KB, on each of up to a thousand connections. This budget bounds them all
 * together: once it is used up, a connection whose client is not reading is closed when its next
 * answer arrives, instead of buffering it. Clients that read are always answered.
 */
final class UnreadAnswers {

  /** About what one slow client fills while {@link TcpQueryHandler#MAX_IN_FLIGHT} big answers wait. */
  static final long DEFAULT_LIMIT = 8L * 1024 * 1024;

  private final long limit;
  private final AtomicLong bytes = new AtomicLong();

  UnreadAnswers(long limit) {
    this.limit = limit;
  }

  /** Counts {@code size} more bytes; false when that goes over the limit (they are counted anyway). */
  boolean reserve(int size) {
    return bytes.addAndGet(size) <= limit;
  }

  void release(int size) {
    bytes.addAndGet(-size);
  }

  long bytes() {
    return bytes.get();
  }
}
