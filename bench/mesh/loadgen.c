/*
 * A small HTTP/1.1 load generator in the spirit of wrk: one thread, epoll, N connections each with one request
 * in flight, either kept alive or a new connection per request (the client closes once it has the answer).
 * It costs little CPU, so on a 2-core machine the proxy and the backend get most of it, as with wrk.
 *
 *   loadgen <host> <port> <connections> <seconds> <keepalive|close> [warmup-seconds]
 *
 * Prints one JSON object: requests, errors, rps, p50Us, p99Us (latency from sending a request to its whole
 * answer, microseconds, with 0.1 us resolution), and allRequests and cpuUs (warm-up included, for the CPU
 * cost per request).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 16384
#define BUCKETS 1000000 /* 0.1 us each: up to 100 ms */

struct conn {
  int fd;
  int connected;
  size_t len;
  uint64_t sent_ns;
  char buf[BUF];
};

static struct sockaddr_in target;
static int keepalive;
static int ep;
static uint32_t *histogram;
static uint64_t overflow, requests, errors, all_requests;
static int recording;
static const char *request_text;
static size_t request_len;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void open_conn(struct conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) {
    perror("socket");
    exit(1);
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->connected = 0;
  c->len = 0;
  if (connect(c->fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) {
    if (recording) errors++;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void reopen(struct conn *c, int failed) {
  if (failed && recording) errors++;
  close(c->fd);
  open_conn(c);
}

static void send_request(struct conn *c) {
  c->sent_ns = now_ns();
  c->len = 0;
  ssize_t n = write(c->fd, request_text, request_len);
  if (n != (ssize_t)request_len) reopen(c, 1);
}

/* Length of a complete response in buf, or 0 when more is needed. */
static size_t complete_length(struct conn *c) {
  char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head = (size_t)(end - c->buf) + 4;
  size_t body = 0;
  for (char *line = c->buf; line < end; line++) {
    if ((line == c->buf || line[-1] == '\n') && strncasecmp(line, "content-length:", 15) == 0) {
      body = strtoul(line + 15, NULL, 10);
      break;
    }
  }
  return c->len >= head + body ? head + body : 0;
}

static void on_event(struct conn *c, uint32_t events) {
  if (!c->connected) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err || (events & (EPOLLERR | EPOLLHUP))) {
      reopen(c, 1);
      return;
    }
    c->connected = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    send_request(c);
    return;
  }
  ssize_t n = read(c->fd, c->buf + c->len, BUF - c->len);
  if (n <= 0) {
    if (n < 0 && errno == EAGAIN) return;
    reopen(c, 1); /* closed or reset with a request in flight */
    return;
  }
  c->len += (size_t)n;
  if (!complete_length(c)) {
    if (c->len == BUF) reopen(c, 1);
    return;
  }
  all_requests++;
  if (recording) {
    requests++;
    uint64_t tenths = (now_ns() - c->sent_ns) / 100;
    if (tenths < BUCKETS) histogram[tenths]++;
    else overflow++;
  }
  if (keepalive) send_request(c);
  else reopen(c, 0);
}

static double percentile(double p) {
  uint64_t total = overflow;
  for (int i = 0; i < BUCKETS; i++) total += histogram[i];
  uint64_t want = (uint64_t)(p * (double)total), seen = 0;
  for (int i = 0; i < BUCKETS; i++) {
    seen += histogram[i];
    if (seen > want) return i / 10.0;
  }
  return BUCKETS / 10.0;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: loadgen <host> <port> <connections> <seconds> <keepalive|close> [warmup-seconds]\n");
    return 2;
  }
  target.sin_family = AF_INET;
  target.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &target.sin_addr) != 1) {
    fprintf(stderr, "loadgen: bad IPv4 address %s\n", argv[1]);
    return 2;
  }
  int connections = atoi(argv[3]);
  double seconds = atof(argv[4]);
  keepalive = strcmp(argv[5], "keepalive") == 0;
  double warmup = argc > 6 ? atof(argv[6]) : 1.0;
  request_text = keepalive ? "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
                           : "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
  request_len = strlen(request_text);
  histogram = calloc(BUCKETS, sizeof *histogram);
  ep = epoll_create1(0);
  struct conn *conns = calloc((size_t)connections, sizeof *conns);
  for (int i = 0; i < connections; i++) open_conn(&conns[i]);

  uint64_t start = now_ns();
  uint64_t record_at = start + (uint64_t)(warmup * 1e9);
  uint64_t end = record_at + (uint64_t)(seconds * 1e9);
  struct epoll_event events[256];
  for (;;) {
    uint64_t t = now_ns();
    if (t >= end) break;
    if (!recording && t >= record_at) recording = 1;
    int n = epoll_wait(ep, events, 256, 10);
    for (int i = 0; i < n; i++) on_event(events[i].data.ptr, events[i].events);
  }
  double elapsed = (double)(now_ns() - record_at) / 1e9;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu_us = usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 +
                  usage.ru_stime.tv_usec;
  printf("{\"requests\":%llu,\"errors\":%llu,\"rps\":%.1f,\"p50Us\":%.1f,\"p99Us\":%.1f,"
         "\"allRequests\":%llu,\"cpuUs\":%.0f}\n",
         (unsigned long long)requests, (unsigned long long)errors, (double)requests / elapsed, percentile(0.5),
         percentile(0.99), (unsigned long long)all_requests, cpu_us);
  return 0;
}
