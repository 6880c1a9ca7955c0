package io.dotproxy.runtime.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * How a {@link FakeDotServer} reacts to each query it receives. Runs on the connection's event loop,
 * one query at a time, so implementations need no locking; per-connection state goes in
 * {@link FakeDotServer.Connection#state}.
 *
 * <p>The constants and factories cover faults real DoT servers produce rarely or never on demand.
 */
@FunctionalInterface
public interface Behaviour {

    /** Address in every {@link #standardAnswer}. */
    String ANSWER_ADDRESS = "192.0.2.1";
    /** TTL in every {@link #standardAnswer}. */
    int ANSWER_TTL = 60;

    void onQuery(FakeDotServer.Query query);

    /** Answer at once with {@link #standardAnswer}. */
    Behaviour ANSWER = FakeDotServer.Query::answer;

    /** Never answer (the TLS handshake did complete). */
    Behaviour STALL = query -> { };

    /** Random bytes inside TLS, including a random length prefix: the DNS stream is unframeable. */
    Behaviour GARBAGE = query -> query.writeRaw(query.randomBytes(64));

    /** A correctly framed payload that is not a DNS message (shorter than a 12-byte header). */
    Behaviour GARBAGE_FRAME = query -> query.reply(query.randomBytes(7));

    /**
     * The standard answer behind a length prefix claiming 65535 bytes: a client that trusts the prefix
     * waits for bytes that never come.
     */
    Behaviour INVALID_LENGTH = query -> {
        byte[] framed = FakeDotServer.frame(standardAnswer(query.message()).toWire());
        framed[0] = (byte) 0xFF;
        framed[1] = (byte) 0xFF;
        query.writeRaw(framed);
    };

    /** Bytes that are not TLS records, written beneath TLS: the client's TLS layer must fail. */
    Behaviour TLS_GARBAGE = query -> query.writeBeneathTls(query.randomBytes(64));

    /**
     * Half of the framed answer, then a TCP reset (SO_LINGER 0, no TLS close_notify). The client sees
     * "Connection reset"; whether it reads the partial frame first depends on whether the RST overtakes
     * it in the client's socket, so do not rely on receiving the partial bytes.
     */
    Behaviour RESET_MID_ANSWER = query -> {
        byte[] framed = FakeDotServer.frame(standardAnswer(query.message()).toWire());
        query.writeRaw(java.util.Arrays.copyOf(framed, framed.length / 2));
        query.reset();
    };

    /**
     * The standard answer, except that every {@code n}-th query the server receives gets
     * {@link #RESET_MID_ANSWER}: half its answer frame, then a TCP reset.
     */
    static Behaviour resetMidAnswerEvery(int n) {
        java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
        return query -> {
            if (received.incrementAndGet() % n == 0) {
                RESET_MID_ANSWER.onQuery(query);
            } else {
                query.answer();
            }
        };
    }

    /** A standard answer whose ID is the query's plus one. */
    Behaviour MISMATCHED_ID = query -> {
        Message answer = standardAnswer(query.message());
        answer.getHeader().setID((query.id() + 1) & 0xFFFF);
        query.reply(answer);
    };

    /** Answer each query after {@code delay}; queries are still read (and answered) concurrently. */
    static Behaviour delay(Duration delay) {
        return query -> query.later(delay, query::answer);
    }

    /** Answer with whatever {@code responder} makes of the parsed query. */
    static Behaviour respond(UnaryOperator<Message> responder) {
        return query -> query.reply(responder.apply(query.message()));
    }

    /** Answer normally, then close the connection gracefully right after its {@code k}-th answer. */
    static Behaviour closeAfterAnswers(int k) {
        return query -> {
            query.answer();
            if (query.connection().answersSent() >= k) {
                query.close();
            }
        };
    }

    /** Hold queries until {@code batch} have arrived on the connection, then answer them newest first. */
    static Behaviour outOfOrder(int batch) {
        return new Behaviour() {
            @Override
            public void onQuery(FakeDotServer.Query query) {
                List<FakeDotServer.Query> held = query.connection().state(this, ArrayList::new);
                held.add(query);
                if (held.size() >= batch) {
                    for (int i = held.size() - 1; i >= 0; i--) {
                        held.get(i).answer();
                    }
                    held.clear();
                }
            }
        };
    }

    /**
     * The fake's normal answer: same ID and question, QR/AA/RA set, RD copied, one A record
     * {@value #ANSWER_ADDRESS} TTL {@value #ANSWER_TTL} for A queries (NODATA for other types), and an
     * OPT record if the query had one. FORMERR with the query's ID if the query does not parse.
     */
    static Message standardAnswer(Message query) {
        if (query == null) {
            Message formerr = new Message();
            formerr.getHeader().setFlag(Flags.QR);
            formerr.getHeader().setRcode(Rcode.FORMERR);
            return formerr;
        }
        Message answer = new Message(query.getHeader().getID());
        answer.getHeader().setFlag(Flags.QR);
        answer.getHeader().setFlag(Flags.AA);
        answer.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            answer.getHeader().setFlag(Flags.RD);
        }
        Record question = query.getQuestion();
        if (question != null) {
            answer.addRecord(question, Section.QUESTION);
            if (question.getType() == Type.A) {
                answer.addRecord(new ARecord(question.getName(), DClass.IN, ANSWER_TTL, answerAddress()), Section.ANSWER);
            }
        }
        if (query.getOPT() != null) {
            answer.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        return answer;
    }

    private static InetAddress answerAddress() {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
