package io.dotproxy.operator.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The metric names and label matchers a PromQL expression uses, read by a small tokenizer: enough to
 * check that every metric, label and literal label value an alert or a dashboard query names is one the
 * code exports, without a PromQL engine.
 */
final class PromQlSelectors {

  /** One {@code label op "value"} inside a selector's braces; {@code metric} is the selector's name, or null. */
  record Matcher(String metric, String label, String op, String value) {}

  /** What one expression uses. */
  record Used(List<String> metrics, List<String> labels, List<Matcher> matchers) {}

  private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
      "count", "count_values", "bottomk", "topk", "quantile");
  private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

  private PromQlSelectors() {}

  static Used of(String expression) {
    List<String> metrics = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    List<Matcher> matchers = new ArrayList<>();
    String e = expression;
    int i = 0;
    String lastMetric = null;
    while (i < e.length()) {
      char c = e.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = endOfString(e, i);
      } else if (c == '[') {
        i = e.indexOf(']', i) + 1;
      } else if (c == '{') {
        int end = e.indexOf('}', i);
        readMatchers(e.substring(i + 1, end), lastMetric, labels, matchers);
        i = end + 1;
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < e.length() && Character.isDigit(e.charAt(i + 1)))) {
        while (i < e.length() && (Character.isLetterOrDigit(e.charAt(i)) || e.charAt(i) == '.')) {
          i++;
        }
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int start = i;
        while (i < e.length() && (Character.isLetterOrDigit(e.charAt(i)) || e.charAt(i) == '_' || e.charAt(i) == ':')) {
          i++;
        }
        String word = e.substring(start, i);
        int next = skipSpaces(e, i);
        char following = next < e.length() ? e.charAt(next) : ' ';
        if (LABEL_LISTS.contains(word)) {
          if (following == '(') {
            int end = e.indexOf(')', next);
            for (String label : e.substring(next + 1, end).split(",")) {
              if (!label.isBlank()) {
                labels.add(label.strip());
              }
            }
            i = end + 1;
          }
        } else if (!KEYWORDS.contains(word.toLowerCase()) && !AGGREGATIONS.contains(word) && following != '(') {
          metrics.add(word);
          lastMetric = word;
          continue;
        }
      } else {
        i++;
      }
      if (c != '{') {
        lastMetric = null; // braces belong to the selector only when they follow its name at once
      }
    }
    return new Used(metrics, labels, matchers);
  }

  private static void readMatchers(String body, String metric, List<String> labels, List<Matcher> matchers) {
    int i = 0;
    while (i < body.length()) {
      i = skipSpaces(body, i);
      if (i >= body.length()) {
        break;
      }
      int start = i;
      while (i < body.length() && (Character.isLetterOrDigit(body.charAt(i)) || body.charAt(i) == '_')) {
        i++;
      }
      String label = body.substring(start, i);
      i = skipSpaces(body, i);
      int opStart = i;
      while (i < body.length() && "=!~".indexOf(body.charAt(i)) >= 0) {
        i++;
      }
      String op = body.substring(opStart, i);
      i = skipSpaces(body, i);
      int end = endOfString(body, i);
      String value = body.substring(i + 1, end - 1);
      labels.add(label);
      matchers.add(new Matcher(metric, label, op, value));
      i = skipSpaces(body, end);
      if (i < body.length() && body.charAt(i) == ',') {
        i++;
      }
    }
  }

  private static int endOfString(String s, int open) {
    char quote = s.charAt(open);
    int i = open + 1;
    while (s.charAt(i) != quote) {
      i += s.charAt(i) == '\\' ? 2 : 1;
    }
    return i + 1;
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
