/*
 * Test helper for NodelayShimTest: accepts one connection on a loopback (or AF_UNIX) listener it
 * connects to itself, and prints the accepted socket's TCP_NODELAY value. Run with and without
 * LD_PRELOAD of the shim, this proves the shim works without any timing measurement.
 *
 * usage: nodelay_probe tcp|tcp4|unix   (tcp uses accept(), tcp4 uses accept4())
 * prints: "nodelay=0" / "nodelay=1" for TCP, "accepted" for AF_UNIX; exits non-zero on error.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stddef.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what) {
    perror(what);
    return 2;
}

static int probe_unix(void) {
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    /* Abstract namespace: nothing to clean up on the filesystem. */
    snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "nodelay-probe-%d", (int) getpid());
    socklen_t len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1));
    if (bind(listener, (struct sockaddr *) &addr, len) || listen(listener, 1)) return fail("unix listen");
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr *) &addr, len)) return fail("unix connect");
    int accepted = accept(listener, NULL, NULL);
    if (accepted < 0) return fail("unix accept");
    printf("accepted\n");
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "tcp";
    if (strcmp(mode, "unix") == 0) return probe_unix();

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0 };
    socklen_t len = sizeof addr;
    if (bind(listener, (struct sockaddr *) &addr, len) || listen(listener, 1)) return fail("listen");
    if (getsockname(listener, (struct sockaddr *) &addr, &len)) return fail("getsockname");
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr *) &addr, len)) return fail("connect");
    int accepted = strcmp(mode, "tcp4") == 0 ? accept4(listener, NULL, NULL, SOCK_CLOEXEC)
                                             : accept(listener, NULL, NULL);
    if (accepted < 0) return fail("accept");
    int value = 0;
    socklen_t value_len = sizeof value;
    if (getsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &value, &value_len)) return fail("getsockopt");
    printf("nodelay=%d\n", value ? 1 : 0);
    return 0;
}
