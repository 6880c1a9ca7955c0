/*
 * LD_PRELOAD shim for the dotproxy tests: sets TCP_NODELAY on every socket returned by
 * accept()/accept4().
 *
 * Why: stock Unbound leaves Nagle's algorithm on for its DNS-over-TLS listener. After the TLS 1.3
 * handshake it sends session tickets, so the first (small) answer waits for the client's delayed
 * ACK (~40 ms on Linux loopback) - a latency no real deployment tuned for DoT shows, and one that
 * would make every latency assertion about the proxy measure Unbound instead.
 *
 * setsockopt() fails harmlessly (ENOTSUP/ENOPROTOOPT) for non-TCP sockets, e.g. AF_UNIX;
 * errors are ignored on purpose and errno is preserved for the caller.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void set_nodelay(int fd) {
    if (fd < 0) {
        return;
    }
    int saved = errno;
    int one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    errno = saved;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    static int (*real_accept)(int, struct sockaddr *, socklen_t *);
    if (!real_accept) {
        real_accept = (int (*)(int, struct sockaddr *, socklen_t *)) dlsym(RTLD_NEXT, "accept");
    }
    int client = real_accept(fd, addr, len);
    set_nodelay(client);
    return client;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
    if (!real_accept4) {
        real_accept4 = (int (*)(int, struct sockaddr *, socklen_t *, int)) dlsym(RTLD_NEXT, "accept4");
    }
    int client = real_accept4(fd, addr, len, flags);
    set_nodelay(client);
    return client;
}
