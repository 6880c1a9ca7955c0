package io.dotproxy.runtime.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Unbound {@code local-zone}/{@code local-data} lines for a synthetic authoritative zone, so tests get
 * deterministic answers without any recursion. Names are constants so tests do not repeat literals.
 *
 * <p>The {@link #standard()} zone {@code test.} is "static": names not listed answer NXDOMAIN, listed
 * names asked for another type answer NODATA, both with the SOA (negative TTL {@value #NEGATIVE_TTL})
 * in the authority section. Addresses come from documentation/benchmark ranges (RFC 5737, RFC 2544,
 * RFC 3849), never from anything routable.
 */
public final class SyntheticZone {

    public static final String ORIGIN = "test.";
    public static final int TTL = 300;
    /** SOA minimum, which Unbound uses as the TTL of NXDOMAIN/NODATA answers. */
    public static final int NEGATIVE_TTL = 60;

    public static final String A_NAME = "a.test.";
    public static final String A_ADDRESS = "192.0.2.1";
    public static final String AAAA_NAME = "aaaa.test.";
    public static final String AAAA_ADDRESS = "2001:db8::1";
    /** Unbound echoes the query's letter case in the answer owner name: for 0x20 / case-preservation tests. */
    public static final String MIXED_CASE_NAME = "mixedcase.test.";
    public static final String MIXED_CASE_ADDRESS = "192.0.2.3";
    public static final String TXT_NAME = "txt.test.";
    public static final String TXT_TEXT = "dotproxy synthetic zone";
    /** Answered as the CNAME alone: Unbound does not chase CNAMEs inside local-data. */
    public static final String CNAME_NAME = "cname.test.";
    public static final String CNAME_TARGET = A_NAME;
    /** TTL 0 and TTL 2 answers, for cache expiry tests. */
    public static final String ZERO_TTL_NAME = "ttl0.test.";
    public static final String SHORT_TTL_NAME = "ttl2.test.";
    public static final int SHORT_TTL = 2;

    /** {@value #BIG_RECORD_COUNT} TXT strings of {@value #BIG_STRING_LENGTH} bytes: an answer of about 8.6 kB. */
    public static final String BIG_NAME = "big.test.";
    public static final int BIG_RECORD_COUNT = 40;
    public static final int BIG_STRING_LENGTH = 200;

    /**
     * {@value #MANY_RECORD_COUNT} A records: 667 bytes without EDNS, so above the 512-byte UDP limit
     * (and truncated for {@code +bufsize=512}) but below 1232/4096. 30 records would be only 507 bytes.
     */
    public static final String MANY_NAME = "many.test.";
    public static final int MANY_RECORD_COUNT = 40;

    /** Names {@code n0.test.} .. {@code n<size-1>.test.} for cache-miss workloads. */
    public static final int DEFAULT_RANGE_SIZE = 10_000;

    /** A name under the zone that does not exist (NXDOMAIN). */
    public static final String MISSING_NAME = "missing.test.";

    private final List<String> lines = new ArrayList<>();

    private SyntheticZone() {
    }

    /** The standard {@code test.} zone with {@value #DEFAULT_RANGE_SIZE} range names. */
    public static SyntheticZone standard() {
        return standard(DEFAULT_RANGE_SIZE);
    }

    /** The standard {@code test.} zone with {@code rangeSize} names {@code n<i>.test.}. */
    public static SyntheticZone standard(int rangeSize) {
        SyntheticZone zone = staticZone(ORIGIN)
                .record(A_NAME + " " + TTL + " IN A " + A_ADDRESS)
                .record(AAAA_NAME + " " + TTL + " IN AAAA " + AAAA_ADDRESS)
                .record(MIXED_CASE_NAME + " " + TTL + " IN A " + MIXED_CASE_ADDRESS)
                .record(TXT_NAME + " " + TTL + " IN TXT \"" + TXT_TEXT + "\"")
                .record(CNAME_NAME + " " + TTL + " IN CNAME " + CNAME_TARGET)
                .record(ZERO_TTL_NAME + " 0 IN A 192.0.2.10")
                .record(SHORT_TTL_NAME + " " + SHORT_TTL + " IN A 192.0.2.11");
        for (int i = 0; i < BIG_RECORD_COUNT; i++) {
            zone.record(BIG_NAME + " " + TTL + " IN TXT \"" + bigText(i) + "\"");
        }
        for (int i = 0; i < MANY_RECORD_COUNT; i++) {
            zone.record(MANY_NAME + " " + TTL + " IN A " + manyAddress(i));
        }
        for (int i = 0; i < rangeSize; i++) {
            zone.record(rangeName(i) + " " + TTL + " IN A " + rangeAddress(i));
        }
        return zone;
    }

    /**
     * An empty static zone with SOA and NS, to which {@link #record} adds data. Unknown names in it
     * answer NXDOMAIN and the SOA supplies the negative TTL.
     */
    public static SyntheticZone staticZone(String origin) {
        SyntheticZone zone = new SyntheticZone();
        zone.lines.add("local-zone: " + quote(origin) + " static");
        zone.record(origin + " " + TTL + " IN SOA ns." + origin + " hostmaster." + origin + " 1 3600 600 86400 " + NEGATIVE_TTL);
        zone.record(origin + " " + TTL + " IN NS ns." + origin);
        zone.record("ns." + origin + " " + TTL + " IN A 192.0.2.53");
        return zone;
    }

    /** Adds one resource record in presentation format, e.g. {@code "x.test. 60 IN A 192.0.2.9"}. */
    public SyntheticZone record(String resourceRecord) {
        lines.add("local-data: " + quote(resourceRecord));
        return this;
    }

    /** The Unbound {@code server:} clause lines (without indentation). */
    public List<String> configLines() {
        return List.copyOf(lines);
    }

    /** The i-th TXT string of {@link #BIG_NAME}: its two-digit index repeated to 200 characters. */
    public static String bigText(int i) {
        return String.format("%02d", i).repeat(BIG_STRING_LENGTH / 2);
    }

    public static String manyAddress(int i) {
        return "198.51.100." + (i + 1);
    }

    public static String rangeName(int i) {
        return "n" + i + "." + ORIGIN;
    }

    /** Addresses from the RFC 2544 benchmark range 198.18.0.0/15 (room for 131072 names). */
    public static String rangeAddress(int i) {
        return "198." + (18 + i / 65536) + "." + (i / 256 % 256) + "." + (i % 256);
    }

    /**
     * Unbound's config lexer has no escapes inside "...": a record with quoted TXT strings must be
     * wrapped in single quotes instead, or the backslashes end up in the record data.
     */
    private static String quote(String value) {
        if (!value.contains("\"")) {
            return "\"" + value + "\"";
        }
        if (value.contains("'")) {
            throw new IllegalArgumentException("cannot quote both ' and \" for unbound: " + value);
        }
        return "'" + value + "'";
    }
}
