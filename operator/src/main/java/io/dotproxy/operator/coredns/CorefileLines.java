package io.dotproxy.operator.coredns;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Corefile as lines, split and joined so that joining gives back the exact input (trailing newline
 * and carriage returns included).
 */
final class CorefileLines {

  private CorefileLines() {}

  static List<String> split(String corefile) {
    return new ArrayList<>(Arrays.asList(corefile.split("\n", -1)));
  }

  static String join(List<String> lines) {
    return String.join("\n", lines);
  }

  static String indentOf(String line) {
    int i = 0;
    while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    return line.substring(0, i);
  }

  /** "\r" when the file uses CRLF line ends (seen on the given line), so inserted lines match. */
  static String carriageReturnOf(String line) {
    return line.endsWith("\r") ? "\r" : "";
  }
}
