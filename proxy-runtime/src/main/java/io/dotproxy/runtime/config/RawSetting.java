package io.dotproxy.runtime.config;

import java.util.List;

/** Unvalidated values of one setting and where they came from, for error messages. */
record RawSetting(String origin, List<Object> values) {

  RawSetting {
    values = List.copyOf(values);
  }

  String single() {
    return String.valueOf(values.get(0)).trim();
  }
}
