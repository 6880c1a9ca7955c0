package io.dotproxy.operator.app;

/** A flag or environment variable with a value the operator cannot use; the message names it. */
public class InvalidSettingException extends RuntimeException {

  public InvalidSettingException(String message) {
    super(message);
  }
}
