package io.dotproxy.runtime.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Registry of the external processes the fixtures started (Unbound, kdig, dig, gcc), so that a
 * single JVM shutdown hook can kill the ones a test forgot to close. Only processes registered
 * here are ever killed, always through their own {@link Process} handle, never by name.
 */
final class OwnedProcesses {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(OwnedProcesses::killAll, "owned-processes-reaper"));
    }

    private OwnedProcesses() {
    }

    /** Starts {@code builder} and registers the process until {@link #stop} is called. */
    static Process start(ProcessBuilder builder) throws java.io.IOException {
        Process process = builder.start();
        RUNNING.add(process);
        return process;
    }

    /**
     * Asks the process to exit (SIGTERM), waits up to {@code graceMillis}, then kills it (SIGKILL).
     * Returns the exit code, or -1 if it could not be collected.
     */
    static int stop(Process process, long graceMillis) {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            }
            return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        } finally {
            RUNNING.remove(process);
        }
    }

    /** Kills the process immediately (SIGKILL), as a crash would, and waits for it. */
    static void kill(Process process) {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(process);
        }
    }

    /** Forgets a process that has exited on its own. */
    static void forget(Process process) {
        RUNNING.remove(process);
    }

    private static void killAll() {
        for (Process process : RUNNING) {
            process.destroyForcibly();
        }
    }
}
