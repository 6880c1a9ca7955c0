package io.dotproxy.operator.reconciler;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a failed reconciliation tells the user, and whether it is worth telling.
 *
 * <p>The workflow reports failed dependents as one {@link AggregatedOperatorException} whose message
 * carries every cause's stack trace; a status condition gets one line per cause instead, naming the API
 * server's answer.
 */
final class ReconcileErrors {

  /** Longer messages are cut: a condition is read in {@code kubectl describe}, not a log viewer. */
  static final int MAX_MESSAGE = 1024;

  private ReconcileErrors() {}

  static String describe(Throwable error) {
    String description = causes(error).stream().map(ReconcileErrors::describeOne).distinct()
        .collect(Collectors.joining("; "));
    return description.length() <= MAX_MESSAGE ? description : description.substring(0, MAX_MESSAGE - 3) + "...";
  }

  /** A 409 Conflict: another writer changed the object since it was read; a retry reads it afresh. */
  static boolean isConflict(Throwable error) {
    return causes(error).stream()
        .map(ReconcileErrors::apiError)
        .allMatch(e -> e.isPresent() && e.get().getCode() == HttpURLConnection.HTTP_CONFLICT);
  }

  /** The separate failures behind an error: one per failed dependent when the workflow aggregated them. */
  private static List<Throwable> causes(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AggregatedOperatorException aggregated && !aggregated.getAggregatedExceptions().isEmpty()) {
        List<Throwable> causes = new ArrayList<>();
        aggregated.getAggregatedExceptions().values().forEach(e -> causes.addAll(causes(e)));
        return causes;
      }
    }
    return List.of(error);
  }

  private static String describeOne(Throwable error) {
    Optional<KubernetesClientException> api = apiError(error);
    if (api.isPresent()) {
      KubernetesClientException e = api.get();
      Status status = e.getStatus();
      String reason = status == null || status.getReason() == null ? "" : " " + status.getReason();
      String message = status == null || status.getMessage() == null ? firstLine(e.getMessage()) : status.getMessage();
      return "the API server answered " + e.getCode() + reason + ": " + message;
    }
    Throwable cause = error;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + firstLine(cause.getMessage()));
  }

  /** The API server's answer behind an error, if one is (JOSDK and fabric8 wrap it). */
  private static Optional<KubernetesClientException> apiError(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException e && e.getCode() > 0) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
