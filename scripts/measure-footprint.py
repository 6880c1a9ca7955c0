#!/usr/bin/env python3
"""Measures proxy-runtime.jar's footprint under candidate JVM settings (docs/explanation/footprint.md).

For each candidate it starts the proxy on loopback in front of a local Unbound serving DNS-over-TLS,
and records:
  - first answer: time from process start until a UDP query is answered (includes the first TLS
    handshake to the upstream);
  - RSS idle: VmRSS 5 s after the first answer;
  - load: dnsperf for a fixed time at a fixed offered rate over 2,000 names (a cache-miss pass, then
    cache hits), with the peak RSS (VmHWM) and the RSS at the end, the achieved queries per second and
    the mean latency, and the CPU time the proxy used during the load.

Everything runs on 127.0.0.1 and stops by itself. Needs: unbound, dnsperf, openssl, gcc (for the
TCP_NODELAY shim that the integration tests also use), a JDK 17 with jlink, and
`mvn -B package -DskipTests` done. The jlink runtime and the class-data archive are built with the
same scripts as the images (docker/jlink-runtime.sh, docker/train-proxy-cds.sh).

  scripts/measure-footprint.py [--rounds N] [--load-seconds S] [--rate QPS] [--only NAME,...]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "proxy-runtime", "target", "proxy-runtime.jar")
NAMES = 2000

# The default proxy container limit is 256Mi. A JVM in such a container sizes itself from that limit;
# here on the host it would see the whole machine, so every candidate gets -XX:MaxRAM=256m to size its
# heap as in the pod (-XX:MaxRAM is not used in the image: it would override the container's limit).
POD = ["-XX:MaxRAM=256m"]
SERIAL = POD + ["-XX:+UseSerialGC", "-XX:-UsePerfData"]
CANDIDATES = {
    # name: (runtime, JVM flags, uses the AppCDS archive)
    "jdk-defaults": ("jdk", POD, False),
    "jdk-serial": ("jdk", SERIAL, False),
    "jlink-serial": ("jlink", SERIAL, False),
    "jlink-serial-xss256k": ("jlink", SERIAL + ["-Xss256k"], False),
    "jlink-serial-c1": ("jlink", SERIAL + ["-XX:TieredStopAtLevel=1"], False),
    "jlink-serial-cds": ("jlink", SERIAL, True),
    "jlink-serial-c1-cds": ("jlink", SERIAL + ["-XX:TieredStopAtLevel=1"], True),
    # the proxy image's ENTRYPOINT flags (Dockerfile.proxy), less the paths
    "image": ("jlink", SERIAL + ["-XX:MaxRAMPercentage=50", "-XX:ErgoHeapSizeLimit=1g",
                                 "-XX:+ExitOnOutOfMemoryError"], True),
    # a Sidecar-mode proxy: the image's flags plus what the operator adds (JDK_JAVA_OPTIONS)
    "sidecar": ("jlink", SERIAL + ["-XX:MaxRAMPercentage=50", "-XX:ErgoHeapSizeLimit=1g",
                                   "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1"], True),
}


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def make_pki(d):
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem", "-days", "2", "-subj", "/CN=footprint CA"],
        capture_output=True)
    run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr", "-subj", "/CN=dot.test"],
        capture_output=True)
    with open(f"{d}/ext.cnf", "w") as f:
        f.write("subjectAltName=DNS:dot.test,IP:127.0.0.1\n")
    run(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
         "-CAcreateserial", "-out", f"{d}/server.pem", "-days", "2", "-extfile", f"{d}/ext.cnf"],
        capture_output=True)


def start_unbound(d, port):
    lines = [
        "server:", "  do-daemonize: no", '  chroot: ""', '  username: ""', f'  directory: "{d}"',
        '  pidfile: ""', "  use-syslog: no", f'  logfile: "{d}/unbound.log"', "  verbosity: 0",
        f"  interface: 127.0.0.1@{port}", f"  tls-port: {port}", f'  tls-service-key: "{d}/server.key"',
        f'  tls-service-pem: "{d}/server.pem"', "  access-control: 127.0.0.0/8 allow", "  do-ip6: no",
        "  num-threads: 1", "  so-reuseport: no", "  incoming-num-tcp: 64", '  module-config: "iterator"',
        '  local-zone: "." refuse', '  local-zone: "test." static',
        '  local-data: "test. 3600 IN SOA ns.test. admin.test. 1 3600 600 86400 300"',
    ]
    lines += [f'  local-data: "h{i}.test. 300 IN A 10.0.{i // 256}.{i % 256}"' for i in range(NAMES)]
    with open(f"{d}/unbound.conf", "w") as f:
        f.write("\n".join(lines) + "\n")
    shim = f"{d}/nodelay.so"
    run(["gcc", os.path.join(ROOT, "proxy-runtime/src/test/resources/testing/nodelay.c"), "-shared", "-fPIC",
         "-O2", "-ldl", "-o", shim])
    env = dict(os.environ, LD_PRELOAD=shim)
    proc = subprocess.Popen(["unbound", "-d", "-c", f"{d}/unbound.conf"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("unbound did not start; see " + f"{d}/unbound.log")


def query(qid, name):
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return header + labels + struct.pack(">HH", 1, 1)


def await_first_answer(port, started, proc, timeout=60):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.02)
        qid = 0
        deadline = started + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("the proxy exited during startup")
            qid = (qid + 1) & 0xFFFF
            try:
                s.sendto(query(qid, "h0.test"), ("127.0.0.1", port))
                while True:
                    data = s.recv(512)
                    rid, flags, _, ancount = struct.unpack(">HHHH", data[:8])
                    if rid == qid and flags & 0x000F == 0 and ancount > 0:
                        return time.monotonic() - started
            except (socket.timeout, ConnectionRefusedError):
                time.sleep(0.005)
    raise SystemExit("no answer within %ss" % timeout)


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name, java, flags, archive, args, d):
    dns_port, admin_port = free_port(), free_port()
    cmd = [java] + flags + ([f"-XX:SharedArchiveFile={archive}"] if archive else []) + [
        "-jar", JAR, "--listen", f"127.0.0.1:{dns_port}", "--admin", f"127.0.0.1:{admin_port}",
        "--upstream", f"127.0.0.1@{args.upstream_port}#dot.test", "--ca-file", f"{d}/ca.pem",
        "--drain-period", "0s"]
    log = open(f"{d}/{name}.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = await_first_answer(dns_port, started, proc)
        time.sleep(5)
        idle = status_kib(proc.pid, "VmRSS")
        cpu_before = cpu_seconds(proc.pid)
        perf = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(dns_port), "-d", f"{d}/queries.txt",
                               "-l", str(args.load_seconds), "-Q", str(args.rate), "-c", "4", "-q", "200"],
                              capture_output=True, text=True, timeout=args.load_seconds + 60)
        cpu = cpu_seconds(proc.pid) - cpu_before
        peak = status_kib(proc.pid, "VmHWM")
        after = status_kib(proc.pid, "VmRSS")
        qps = re.search(r"Queries per second:\s+([\d.]+)", perf.stdout)
        lat = re.search(r"Average Latency \(s\):\s+([\d.]+)", perf.stdout)
        lost = re.search(r"Queries lost:\s+(\d+)", perf.stdout)
        return dict(first=first, idle=idle, peak=peak, after=after, cpu=cpu,
                    qps=float(qps.group(1)) if qps else 0.0,
                    latency_ms=float(lat.group(1)) * 1000 if lat else 0.0,
                    lost=int(lost.group(1)) if lost else -1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--load-seconds", type=int, default=15)
    p.add_argument("--rate", type=int, default=2000)
    p.add_argument("--only", default="")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = p.parse_args()
    if not os.path.exists(JAR):
        raise SystemExit(f"{JAR} is missing: run mvn -B package -DskipTests first")
    chosen = [c for c in args.only.split(",") if c] or list(CANDIDATES)
    d = tempfile.mkdtemp(prefix="dotproxy-footprint-")
    unbound = None
    try:
        make_pki(d)
        args.upstream_port = free_port()
        unbound = start_unbound(d, args.upstream_port)
        with open(f"{d}/queries.txt", "w") as f:
            f.writelines(f"h{i}.test A\n" for i in range(NAMES))
        jre = f"{d}/jre"
        if any(CANDIDATES[c][0] == "jlink" for c in chosen):
            run([os.path.join(ROOT, "docker/jlink-runtime.sh"), JAR, jre], stdout=subprocess.DEVNULL)
        archives = {}
        for c in chosen:
            runtime, flags, cds = CANDIDATES[c]
            if cds:
                archive = f"{d}/{c}.jsa"
                env = dict(os.environ, TRAIN_DNS_PORT=str(free_port()), TRAIN_ADMIN_PORT=str(free_port()))
                run([os.path.join(ROOT, "docker/train-proxy-cds.sh"), f"{jre}/bin/java", JAR, archive] + flags,
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                archives[c] = archive
        java_home = os.environ.get("JAVA_HOME") or os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("java"))))
        results = {c: [] for c in chosen}
        for r in range(args.rounds):
            for c in chosen:
                runtime, flags, _ = CANDIDATES[c]
                java = f"{jre}/bin/java" if runtime == "jlink" else f"{java_home}/bin/java"
                results[c].append(measure(c, java, flags, archives.get(c), args, d))
                print(f"round {r + 1} {c}: {results[c][-1]}", file=sys.stderr, flush=True)
        print(f"| candidate | first answer (s) | RSS idle (MiB) | RSS peak under load (MiB) | RSS after load (MiB) | qps | mean latency (ms) | CPU s during load |")
        print("|---|---|---|---|---|---|---|---|")
        for c in chosen:
            rs = results[c]
            med = lambda k: sorted(x[k] for x in rs)[len(rs) // 2]
            print(f"| {c} | {med('first'):.2f} | {med('idle') / 1024:.0f} | {med('peak') / 1024:.0f} | "
                  f"{med('after') / 1024:.0f} | {med('qps'):.0f} | {med('latency_ms'):.2f} | {med('cpu'):.1f} |")
        print(f"\nmedians of {args.rounds} rounds; load: dnsperf -l {args.load_seconds} -Q {args.rate} -c 4 "
              f"over {NAMES} names; flags per candidate:")
        for c in chosen:
            runtime, flags, cds = CANDIDATES[c]
            print(f"- {c}: {runtime} {' '.join(flags)}{' + AppCDS' if cds else ''}")
    finally:
        if unbound:
            unbound.terminate()
            unbound.wait(timeout=10)
        if args.keep:
            print("scratch:", d, file=sys.stderr)
        else:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
