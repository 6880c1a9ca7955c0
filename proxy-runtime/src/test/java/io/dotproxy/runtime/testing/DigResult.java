package io.dotproxy.runtime.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@link Dig} or {@link Kdig} run printed, parsed. One parser serves both: dig 9.18 and
 * kdig 3.2 differ in punctuation ({@code flags:} vs {@code Flags:}, {@code OPT} vs {@code EDNS}
 * pseudosection, {@code SERVER: ...(TCP)} vs {@code From ...(TCP)}) but not in structure.
 *
 * @param exitCode        process exit code (kdig: 0 answered / 1 failed; dig: 9 = no reply), -1 on timeout
 * @param timedOut        the process had to be killed
 * @param status          RCODE mnemonic such as {@code NOERROR}, {@code NXDOMAIN}; null if no answer
 * @param flags           header flags in lower case, e.g. {@code qr aa rd ra tc}
 * @param answers         answer-section records, whitespace collapsed: {@code "a.test. 300 IN A 192.0.2.1"}
 * @param authority       authority-section records, same format
 * @param ednsPresent     the response carried an OPT pseudo-record
 * @param ednsUdpSize     the OPT's advertised UDP size, or -1
 * @param transport       {@code UDP} or {@code TCP} of the reply that was printed (after any TC retry), or null
 * @param responseBytes   the reply's size, or -1
 * @param stdout          raw standard output
 * @param stderr          raw standard error (kdig prints its warnings and errors there)
 */
public record DigResult(int exitCode, boolean timedOut, String status, Set<String> flags, List<String> answers,
                        List<String> authority, boolean ednsPresent, int ednsUdpSize, String transport,
                        int responseBytes, String stdout, String stderr) {

    private static final Pattern STATUS = Pattern.compile("->>HEADER<<-.*?status: (\\w+)");
    private static final Pattern FLAGS = Pattern.compile("(?im)^;; flags:([^;]*);");
    private static final Pattern EDNS_HEADER = Pattern.compile("(?m)^;; (OPT|EDNS) PSEUDOSECTION:");
    private static final Pattern UDP_SIZE = Pattern.compile("(?i)udp(?: size)?: (\\d+)");
    private static final Pattern TRANSPORT = Pattern.compile("(?m)^;; (?:SERVER:|From) .*\\((UDP|TCP)\\)");
    private static final Pattern SIZE = Pattern.compile("(?m)^;; (?:MSG SIZE +rcvd: (\\d+)|Received (\\d+) B)");

    public boolean answered() {
        return status != null;
    }

    /** The TC (truncated) flag. */
    public boolean truncated() {
        return flags.contains("tc");
    }

    /** The record data (last field(s)) of each answer, e.g. {@code 192.0.2.1}. */
    public List<String> answerData() {
        return answers.stream().map(record -> record.split(" ", 5)).map(f -> f.length == 5 ? f[4] : "").toList();
    }

    /** Everything a failing assertion should show. */
    @Override
    public String toString() {
        return "exit=" + exitCode + (timedOut ? " (timed out)" : "") + "\n" + stdout + (stderr.isEmpty() ? "" : "stderr:\n" + stderr);
    }

    static DigResult parse(int exitCode, boolean timedOut, String stdout, String stderr) {
        String status = group(STATUS.matcher(stdout));
        Set<String> flags = new LinkedHashSet<>();
        String flagText = group(FLAGS.matcher(stdout));
        if (flagText != null) {
            for (String flag : flagText.trim().split("\\s+")) {
                if (!flag.isEmpty()) {
                    flags.add(flag.toLowerCase());
                }
            }
        }
        Matcher edns = EDNS_HEADER.matcher(stdout);
        boolean ednsPresent = edns.find();
        int udpSize = -1;
        if (ednsPresent) {
            Matcher size = UDP_SIZE.matcher(stdout.substring(edns.end()));
            udpSize = size.find() ? Integer.parseInt(size.group(1)) : -1;
        }
        Matcher bytes = SIZE.matcher(stdout);
        int responseBytes = -1;
        if (bytes.find()) {
            responseBytes = Integer.parseInt(bytes.group(1) != null ? bytes.group(1) : bytes.group(2));
        }
        return new DigResult(exitCode, timedOut, status, Set.copyOf(flags), section(stdout, "ANSWER"),
                section(stdout, "AUTHORITY"), ednsPresent, udpSize, lastGroup(TRANSPORT.matcher(stdout)),
                responseBytes, stdout, stderr);
    }

    /** Record lines after ";; NAME SECTION:" up to the next blank or comment line. */
    private static List<String> section(String output, String name) {
        List<String> records = new ArrayList<>();
        boolean inside = false;
        for (String line : output.split("\n")) {
            if (line.startsWith(";; " + name + " SECTION:")) {
                inside = true;
            } else if (inside) {
                if (line.isBlank() || line.startsWith(";")) {
                    break;
                }
                records.add(line.trim().replaceAll("\\s+", " "));
            }
        }
        return List.copyOf(records);
    }

    private static String group(Matcher matcher) {
        return matcher.find() ? matcher.group(1) : null;
    }

    private static String lastGroup(Matcher matcher) {
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1);
        }
        return last;
    }
}
