package io.dotproxy.operator.webhook;

/** The request body is not an AdmissionReview the webhook can answer; the message says why (HTTP 400). */
final class BadAdmissionRequest extends Exception {

  BadAdmissionRequest(String message) {
    super(message);
  }
}
