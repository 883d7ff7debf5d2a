/*
 * The routing mesh's data plane in native code: accepts connections on published ports, connects each to the
 * next backend in turn (trying the others when one refuses), and relays bytes both ways, all on one thread
 * with epoll, so that no JavaScript runs per connection or per chunk. The JavaScript side (relay.ts) decides
 * where traffic goes; this file only moves it.
 *
 * Threading: one engine thread per process. Every piece of state is guarded by one mutex, which the engine
 * thread holds while it handles a batch of events (never while it waits) and JavaScript calls hold while they
 * change things. Objects closed by JavaScript are only marked dead and freed by the engine thread at the end of
 * its batch, since an event already returned by epoll_wait may still point at them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define SCRATCH (64 * 1024)
#define SWEEP_MS 250
#define ACCEPT_BATCH 64
#define REPLAY_MAX (64 * 1024)

enum kind { K_LISTENER = 1, K_SIDE = 2 };

struct group;
struct conn;

typedef struct side {
  int kind; /* K_SIDE; first member, as in listener_t */
  int fd;
  struct conn *conn;
  struct side *peer;
  char *pending; /* bytes waiting to be written to this side */
  size_t pending_len, pending_off;
  uint32_t events; /* epoll interest as registered */
  unsigned gen;    /* bumped for each new descriptor: tells a stale event of a replaced one (low 3 bits) */
  unsigned registered : 1, connecting : 1, read_done : 1, write_done : 1, shut_after_flush : 1;
} side_t;

typedef struct listener {
  int kind; /* K_LISTENER */
  int fd;
  int id;
  struct group *group;
  struct sockaddr_in *backends;
  size_t nbackends;
  size_t cursor;
  int refs; /* connections still connecting through its backends */
  int dead;
  uint64_t paused_until_ms; /* out of descriptors: accepting waits (else a readable listener spins) */
  struct listener *next;
} listener_t;

typedef struct conn {
  side_t client, backend;
  struct group *group;
  listener_t *listener; /* while connecting, for retries */
  size_t first, attempts; /* backend rotation: this connection tries first, first + 1, ... */
  /* What the client sent, kept until the backend answers its first byte: a backend that closes or resets
   * the connection before answering (it stopped before this node heard) is replaced by the next one. */
  char *replay;
  size_t replay_len;
  unsigned answered : 1;
  uint64_t started_ms, last_active_ms;
  int dead;
  struct conn *prev, *next;
} conn_t;

typedef struct group {
  int id;
  uint64_t idle_ms, connect_ms;
  size_t active;
  uint64_t accepted, failed;
  int dead;
  struct group *next;
} group_t;

static struct {
  pthread_mutex_t lock;
  pthread_t thread;
  int started;
  int epfd;
  conn_t *conns;
  listener_t *listeners;
  group_t *groups;
  conn_t *dead_conns; /* linked through next */
  int next_id;
  uint64_t now_ms;
  uint64_t spin_ns; /* how long the engine polls after its last event before it sleeps */
  char scratch[SCRATCH];
} E = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_ms(void) {
  return clock_ns() / 1000000;
}

_Static_assert(_Alignof(side_t) >= 8, "the low 3 bits of a side's address carry its generation");

/* What epoll carries for a side: its address, with the low bits (free: alignment) holding its generation. */
static uint64_t tag_of(side_t *s) {
  return (uint64_t)(uintptr_t)s | (s->gen & 7);
}

static int has_pending(const side_t *s) {
  return s->pending_len > s->pending_off;
}

/* Registers what the side waits for: readable unless its peer is backed up or it sent its end, writable while
 * bytes wait for it. A side done both ways leaves epoll (a hang-up cannot be masked otherwise). The client
 * side stays out until the backend is connected: its bytes wait in the kernel meanwhile. */
static void set_interest(side_t *s) {
  if (s->fd < 0) return;
  if (s == &s->conn->client && s->conn->backend.connecting) {
    /* Waiting for a backend: the client's bytes wait in the kernel meanwhile. */
    struct epoll_event ev = {.events = 0, .data.u64 = tag_of(s)};
    if (s->registered && s->events != 0 && epoll_ctl(E.epfd, EPOLL_CTL_MOD, s->fd, &ev) == 0) s->events = 0;
    return;
  }
  if (s->read_done && s->write_done && !has_pending(s)) {
    if (s->registered) epoll_ctl(E.epfd, EPOLL_CTL_DEL, s->fd, NULL);
    s->registered = 0;
    return;
  }
  uint32_t want = 0;
  if (s->connecting || has_pending(s)) want |= EPOLLOUT;
  if (!s->connecting && !s->read_done && !has_pending(s->peer)) want |= EPOLLIN;
  if (s->registered && want == s->events) return;
  struct epoll_event ev = {.events = want, .data.u64 = tag_of(s)};
  if (epoll_ctl(E.epfd, s->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->fd, &ev) == 0) {
    s->registered = 1;
    s->events = want;
  }
}

static void close_side(side_t *s, int reset) {
  if (s->fd < 0) return;
  if (s->registered) epoll_ctl(E.epfd, EPOLL_CTL_DEL, s->fd, NULL);
  if (reset) {
    struct linger lg = {1, 0};
    setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  close(s->fd);
  s->fd = -1;
  s->registered = 0;
  free(s->pending);
  s->pending = NULL;
  s->pending_len = s->pending_off = 0;
}

/* The connection will not change backend any more: it forgets the rotation and what it kept to replay. */
static void release_listener(conn_t *c) {
  if (c->listener) {
    c->listener->refs--;
    c->listener = NULL;
  }
  free(c->replay);
  c->replay = NULL;
  c->replay_len = 0;
}

/* Ends a connection: both sockets closed (reset: with RST, after an error), the memory freed later. */
static void end_conn(conn_t *c, int reset) {
  if (c->dead) return;
  c->dead = 1;
  close_side(&c->client, reset);
  close_side(&c->backend, reset);
  release_listener(c);
  if (c->prev) c->prev->next = c->next;
  else E.conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->group->active--;
  c->next = E.dead_conns;
  E.dead_conns = c;
}

static conn_t *new_conn(group_t *g, int client_fd) {
  conn_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->group = g;
  c->client = (side_t){.kind = K_SIDE, .fd = client_fd, .conn = c, .peer = &c->backend};
  c->backend = (side_t){.kind = K_SIDE, .fd = -1, .conn = c, .peer = &c->client};
  c->started_ms = c->last_active_ms = E.now_ms;
  c->next = E.conns;
  if (E.conns) E.conns->prev = c;
  E.conns = c;
  g->active++;
  g->accepted++;
  return c;
}

/* After any change of state: ends the connection when both directions are over, else updates interests. */
static void settle(conn_t *c) {
  if (c->dead) return;
  if (c->client.read_done && c->client.write_done && c->backend.read_done && c->backend.write_done &&
      !has_pending(&c->client) && !has_pending(&c->backend)) {
    end_conn(c, 0);
    return;
  }
  set_interest(&c->client);
  set_interest(&c->backend);
}

/* Shuts this side's write direction once everything queued for it has been written. */
static void shut_write(side_t *s) {
  if (s->write_done) return;
  if (has_pending(s)) {
    s->shut_after_flush = 1;
    return;
  }
  shutdown(s->fd, SHUT_WR);
  s->write_done = 1;
}

/* Writes to `to` after whatever already waits for it, queueing what the socket does not take now.
 * Returns -1 on a broken connection. */
static int write_to(side_t *to, const char *data, size_t len) {
  size_t waiting = to->pending_len - to->pending_off;
  ssize_t n = 0;
  if (waiting == 0) {
    n = send(to->fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      n = 0;
    }
    if ((size_t)n == len) return 0;
  }
  size_t rest = len - (size_t)n;
  char *buffer = malloc(waiting + rest);
  if (!buffer) return -1;
  if (waiting) memcpy(buffer, to->pending + to->pending_off, waiting);
  memcpy(buffer + waiting, data + n, rest);
  free(to->pending);
  to->pending = buffer;
  to->pending_len = waiting + rest;
  to->pending_off = 0;
  return 0;
}

static int redial(conn_t *c);

static void on_readable(side_t *s) {
  conn_t *c = s->conn;
  side_t *peer = s->peer;
  int from_backend = s == &c->backend;
  ssize_t n = recv(s->fd, E.scratch, SCRATCH, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    if (!(from_backend && redial(c))) end_conn(c, 1);
    return;
  }
  c->last_active_ms = E.now_ms;
  if (n == 0) {
    if (from_backend && redial(c)) return;
    s->read_done = 1;
    shut_write(peer);
    settle(c);
    return;
  }
  if (from_backend) {
    if (!c->answered) {
      c->answered = 1;
      release_listener(c);
    }
  } else if (c->listener) {
    /* Kept for a replay until the backend answers; too much to keep: no replay. */
    char *grown = c->replay_len + (size_t)n <= REPLAY_MAX ? realloc(c->replay, c->replay_len + (size_t)n) : NULL;
    if (grown) {
      memcpy(grown + c->replay_len, E.scratch, (size_t)n);
      c->replay = grown;
      c->replay_len += (size_t)n;
    } else {
      release_listener(c);
    }
  }
  if (peer->write_done || write_to(peer, E.scratch, (size_t)n) < 0) {
    if (!(!from_backend && redial(c))) end_conn(c, 1);
    return;
  }
  if (has_pending(peer)) settle(c);
}

static void on_writable(side_t *s) {
  conn_t *c = s->conn;
  if (!has_pending(s)) {
    settle(c);
    return;
  }
  ssize_t n = send(s->fd, s->pending + s->pending_off, s->pending_len - s->pending_off, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    if (!(s == &c->backend && redial(c))) end_conn(c, 1);
    return;
  }
  c->last_active_ms = E.now_ms;
  s->pending_off += (size_t)n;
  if (has_pending(s)) return;
  free(s->pending);
  s->pending = NULL;
  s->pending_len = s->pending_off = 0;
  if (s->shut_after_flush) {
    s->shut_after_flush = 0;
    shutdown(s->fd, SHUT_WR);
    s->write_done = 1;
  }
  settle(c);
}

static int new_socket(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

static void connected(conn_t *c) {
  c->backend.connecting = 0;
  c->last_active_ms = E.now_ms;
  if (c->replay_len && write_to(&c->backend, c->replay, c->replay_len) < 0) {
    if (!redial(c)) end_conn(c, 1);
    return;
  }
  if (c->client.read_done) shut_write(&c->backend);
  settle(c);
}

/* Tries the next backend of the listener (in its current rotation); ends the connection when all failed.
 * One attempt more than there are backends: the rotation may have shrunk under a connection's feet. */
static void connect_next(conn_t *c) {
  listener_t *l = c->listener;
  for (;;) {
    if (c->backend.fd >= 0) close_side(&c->backend, 0);
    if (!l || l->dead || l->nbackends == 0 || c->attempts > l->nbackends) {
      c->group->failed++;
      end_conn(c, 1);
      return;
    }
    if (c->attempts == 0) c->first = l->cursor++;
    struct sockaddr_in to = l->backends[(c->first + c->attempts) % l->nbackends];
    c->attempts++;
    int fd = new_socket();
    if (fd < 0) continue;
    c->backend.fd = fd;
    c->backend.gen++;
    c->backend.connecting = 1;
    c->started_ms = E.now_ms;
    if (connect(fd, (struct sockaddr *)&to, sizeof to) == 0) {
      connected(c);
      return;
    }
    if (errno == EINPROGRESS) {
      set_interest(&c->backend);
      return;
    }
  }
}

/* The backend closed or reset the connection before answering a byte: when another backend remains in the
 * rotation, it gets the connection and what the client sent so far. Returns 0 when that is not possible. */
static int redial(conn_t *c) {
  listener_t *l = c->listener;
  if (c->answered || !l || l->dead || c->attempts > l->nbackends || c->client.write_done) return 0;
  if (c->client.read_done && c->replay_len == 0) return 0; /* the client left without asking anything */
  close_side(&c->backend, 1);
  c->backend.read_done = c->backend.write_done = c->backend.shut_after_flush = 0;
  c->backend.connecting = 1;
  set_interest(&c->client);
  connect_next(c);
  return 1;
}

static void on_connect_event(side_t *s) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err) connect_next(s->conn);
  else connected(s->conn);
}

static void listener_interest(listener_t *l, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = l};
  epoll_ctl(E.epfd, EPOLL_CTL_MOD, l->fd, &ev);
}

static void on_accept(listener_t *l) {
  for (int i = 0; i < ACCEPT_BATCH; i++) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        listener_interest(l, 0);
        l->paused_until_ms = E.now_ms + SWEEP_MS;
      }
      return; /* EAGAIN, or a connection that went away before we took it */
    }
    /* TCP_NODELAY comes from the listener (Linux copies it into accepted sockets). */
    if (l->nbackends == 0) {
      struct linger lg = {1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(fd);
      l->group->failed++;
      continue;
    }
    conn_t *c = new_conn(l->group, fd);
    if (!c) {
      close(fd);
      continue;
    }
    c->listener = l;
    l->refs++;
    /* The client side stays out of epoll until the backend answers: its bytes wait in the kernel. */
    connect_next(c);
  }
}

static void on_side_event(side_t *s, uint32_t events) {
  conn_t *c = s->conn;
  if (c->dead) return;
  if (s->connecting) {
    on_connect_event(s);
    return;
  }
  if (s->peer->connecting) {
    /* The client hung up or failed while a backend was being found for it. */
    if (events & (EPOLLERR | EPOLLHUP)) end_conn(c, 1);
    return;
  }
  if (events & EPOLLERR) {
    if (!(s == &c->backend && redial(c))) end_conn(c, 1);
    return;
  }
  if (events & EPOLLOUT) {
    on_writable(s);
    if (c->dead || s->connecting) return;
  }
  if (events & (EPOLLIN | EPOLLHUP)) {
    if (!s->read_done) {
      on_readable(s);
    } else if (events & EPOLLHUP) {
      /* Both directions of this socket are over: nothing more can be written to it. */
      if (has_pending(s) || (!s->write_done && !s->peer->read_done)) {
        end_conn(c, 1);
      } else {
        s->write_done = 1;
        settle(c);
      }
    }
  }
}

static void sweep(void) {
  for (listener_t *l = E.listeners; l; l = l->next) {
    if (l->paused_until_ms && !l->dead && E.now_ms >= l->paused_until_ms) {
      l->paused_until_ms = 0;
      listener_interest(l, EPOLLIN);
    }
  }
  conn_t *c = E.conns;
  while (c) {
    conn_t *next = c->next;
    if (c->backend.connecting) {
      if (E.now_ms - c->started_ms >= c->group->connect_ms) connect_next(c);
    } else if (E.now_ms - c->last_active_ms >= c->group->idle_ms) {
      end_conn(c, 0);
    }
    c = next;
  }
}

static void collect_garbage(void) {
  while (E.dead_conns) {
    conn_t *c = E.dead_conns;
    E.dead_conns = c->next;
    free(c);
  }
  listener_t **p = &E.listeners;
  while (*p) {
    listener_t *l = *p;
    if (l->dead && l->refs == 0) {
      *p = l->next;
      free(l->backends);
      free(l);
    } else {
      p = &l->next;
    }
  }
}

static void *engine(void *arg) {
  (void)arg;
  struct epoll_event events[256];
  uint64_t last_sweep = clock_ms();
  uint64_t idle_since = 0;
  for (;;) {
    uint64_t spin_ns = __atomic_load_n(&E.spin_ns, __ATOMIC_RELAXED);
    int n = epoll_wait(E.epfd, events, 256, spin_ns ? 0 : SWEEP_MS);
    if (spin_ns) {
      /* Busy traffic brings the next event within microseconds: polling a little before sleeping saves the
       * sleep and the wake-up (a cross-CPU interrupt, costly in a VM) on both sides of each hop. */
      if (n > 0) {
        idle_since = 0;
      } else {
        uint64_t t = clock_ns();
        if (!idle_since) idle_since = t;
        if (t - idle_since < spin_ns) {
          sched_yield();
          continue;
        }
        idle_since = 0;
        n = epoll_wait(E.epfd, events, 256, SWEEP_MS);
      }
    }
    pthread_mutex_lock(&E.lock);
    E.now_ms = clock_ms();
    for (int i = 0; i < n; i++) {
      void *target = (void *)(uintptr_t)(events[i].data.u64 & ~(uint64_t)7);
      if (*(int *)target == K_LISTENER) {
        listener_t *l = target;
        if (!l->dead) on_accept(l);
      } else {
        side_t *side = target;
        if ((events[i].data.u64 & 7) == (side->gen & 7)) on_side_event(side, events[i].events);
      }
    }
    if (E.now_ms - last_sweep >= SWEEP_MS) {
      sweep();
      last_sweep = E.now_ms;
    }
    collect_garbage();
    pthread_mutex_unlock(&E.lock);
  }
  return NULL;
}

/* ---- JavaScript bindings ------------------------------------------------------------------------------ */

#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) {                                                                                 \
      napi_throw_error(env, "EINVAL", "mesh relay: invalid arguments");                                    \
      return NULL;                                                                                           \
    }                                                                                                        \
  } while (0)

static napi_value args_of(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_error(env, "EINVAL", "mesh relay: missing arguments");
    return NULL;
  }
  return argv[0];
}

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

static group_t *find_group(int id) {
  for (group_t *g = E.groups; g; g = g->next)
    if (g->id == id && !g->dead) return g;
  return NULL;
}

static listener_t *find_listener(int id) {
  for (listener_t *l = E.listeners; l; l = l->next)
    if (l->id == id && !l->dead) return l;
  return NULL;
}

static int start_engine(void) {
  if (E.started) return 0;
  E.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (E.epfd < 0) return -1;
  E.now_ms = clock_ms();
  if (pthread_create(&E.thread, NULL, engine, NULL) != 0) return -1;
  pthread_detach(E.thread);
  E.started = 1;
  return 0;
}

/* createGroup(idleTimeoutMs, connectTimeoutMs) -> group id */
static napi_value js_create_group(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args_of(env, info, 2, argv)) return NULL;
  double idle, connect_ms;
  CHECK(napi_get_value_double(env, argv[0], &idle));
  CHECK(napi_get_value_double(env, argv[1], &connect_ms));
  pthread_mutex_lock(&E.lock);
  if (start_engine() < 0) {
    pthread_mutex_unlock(&E.lock);
    napi_throw_error(env, "EIO", "mesh relay: cannot start the relay thread");
    return NULL;
  }
  group_t *g = calloc(1, sizeof *g);
  g->id = ++E.next_id;
  g->idle_ms = (uint64_t)idle;
  g->connect_ms = (uint64_t)connect_ms;
  g->next = E.groups;
  E.groups = g;
  int id = g->id;
  pthread_mutex_unlock(&E.lock);
  return number(env, id);
}

static int parse_addr(napi_env env, napi_value host, napi_value port, struct sockaddr_in *out) {
  char text[64];
  size_t len;
  uint32_t p;
  if (napi_get_value_string_utf8(env, host, text, sizeof text, &len) != napi_ok) return -1;
  if (napi_get_value_uint32(env, port, &p) != napi_ok || p > 65535) return -1;
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons((uint16_t)p);
  return inet_pton(AF_INET, text, &out->sin_addr) == 1 ? 0 : -1;
}

static const char *errno_code(int err) {
  switch (err) {
    case EADDRINUSE: return "EADDRINUSE";
    case EACCES: return "EACCES";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EMFILE: return "EMFILE";
    default: return "EIO";
  }
}

/* listen(group, host, port, backlog) -> listener id; throws with .code on failure */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args_of(env, info, 4, argv)) return NULL;
  int32_t gid, backlog;
  struct sockaddr_in addr;
  CHECK(napi_get_value_int32(env, argv[0], &gid));
  CHECK(napi_get_value_int32(env, argv[3], &backlog));
  if (parse_addr(env, argv[1], argv[2], &addr) < 0) {
    napi_throw_error(env, "EINVAL", "mesh relay: listen needs an IPv4 address and a port");
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, backlog) < 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    napi_throw_error(env, errno_code(err), strerror(err));
    return NULL;
  }
  pthread_mutex_lock(&E.lock);
  group_t *g = find_group(gid);
  if (!g) {
    pthread_mutex_unlock(&E.lock);
    close(fd);
    napi_throw_error(env, "EINVAL", "mesh relay: no such group");
    return NULL;
  }
  listener_t *l = calloc(1, sizeof *l);
  l->kind = K_LISTENER;
  l->fd = fd;
  l->id = ++E.next_id;
  l->group = g;
  l->next = E.listeners;
  E.listeners = l;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
  epoll_ctl(E.epfd, EPOLL_CTL_ADD, fd, &ev);
  int id = l->id;
  pthread_mutex_unlock(&E.lock);
  return number(env, id);
}

/* setBackends(listener, hosts[], ports[]): the rotation new connections go through, from now on */
static napi_value js_set_backends(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args_of(env, info, 3, argv)) return NULL;
  int32_t id;
  uint32_t count, ports_count;
  CHECK(napi_get_value_int32(env, argv[0], &id));
  CHECK(napi_get_array_length(env, argv[1], &count));
  CHECK(napi_get_array_length(env, argv[2], &ports_count));
  if (ports_count != count) {
    napi_throw_error(env, "EINVAL", "mesh relay: as many ports as hosts");
    return NULL;
  }
  struct sockaddr_in *backends = count ? calloc(count, sizeof *backends) : NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value host, port;
    napi_get_element(env, argv[1], i, &host);
    napi_get_element(env, argv[2], i, &port);
    if (parse_addr(env, host, port, &backends[i]) < 0) {
      free(backends);
      napi_throw_error(env, "EINVAL", "mesh relay: backends are IPv4 addresses and ports");
      return NULL;
    }
  }
  pthread_mutex_lock(&E.lock);
  listener_t *l = find_listener(id);
  if (l) {
    free(l->backends);
    l->backends = backends;
    l->nbackends = count;
    if (count) l->cursor %= count;
    backends = NULL;
  }
  pthread_mutex_unlock(&E.lock);
  free(backends);
  return NULL;
}

static void kill_listener(listener_t *l) {
  if (l->dead) return;
  l->dead = 1;
  epoll_ctl(E.epfd, EPOLL_CTL_DEL, l->fd, NULL);
  close(l->fd);
  l->fd = -1;
}

/* closeListener(listener): stops accepting; connections carry on */
static napi_value js_close_listener(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args_of(env, info, 1, argv)) return NULL;
  int32_t id;
  CHECK(napi_get_value_int32(env, argv[0], &id));
  pthread_mutex_lock(&E.lock);
  listener_t *l = find_listener(id);
  if (l) kill_listener(l);
  pthread_mutex_unlock(&E.lock);
  return NULL;
}

static int buffer_arg(napi_env env, napi_value value, void **data, size_t *len) {
  bool is_buffer = false;
  *data = NULL;
  *len = 0;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, value, data, len) == napi_ok ? 0 : -1;
}

/* splice(group, clientFd, backendFd, toBackend?, toClient?): relays between two connected sockets (the
 * descriptors are duplicated here: the caller closes its own). The optional buffers are sent first. */
static napi_value js_splice(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  size_t argc = 5;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_error(env, "EINVAL", "mesh relay: splice(group, clientFd, backendFd, toBackend?, toClient?)");
    return NULL;
  }
  int32_t gid, a, b;
  CHECK(napi_get_value_int32(env, argv[0], &gid));
  CHECK(napi_get_value_int32(env, argv[1], &a));
  CHECK(napi_get_value_int32(env, argv[2], &b));
  void *to_backend = NULL, *to_client = NULL;
  size_t to_backend_len = 0, to_client_len = 0;
  if (argc > 3) CHECK(buffer_arg(env, argv[3], &to_backend, &to_backend_len) == 0 ? napi_ok : napi_invalid_arg);
  if (argc > 4) CHECK(buffer_arg(env, argv[4], &to_client, &to_client_len) == 0 ? napi_ok : napi_invalid_arg);
  int fa = fcntl(a, F_DUPFD_CLOEXEC, 0);
  int fb = fcntl(b, F_DUPFD_CLOEXEC, 0);
  if (fa < 0 || fb < 0) {
    int err = errno;
    if (fa >= 0) close(fa);
    if (fb >= 0) close(fb);
    napi_throw_error(env, errno_code(err), strerror(err));
    return NULL;
  }
  pthread_mutex_lock(&E.lock);
  group_t *g = find_group(gid);
  conn_t *c = g ? new_conn(g, fa) : NULL;
  if (!c) {
    pthread_mutex_unlock(&E.lock);
    close(fa);
    close(fb);
    napi_throw_error(env, "EINVAL", "mesh relay: no such group");
    return NULL;
  }
  c->backend.fd = fb;
  E.now_ms = clock_ms();
  c->started_ms = c->last_active_ms = E.now_ms;
  if ((to_client_len && write_to(&c->client, to_client, to_client_len) < 0) ||
      (to_backend_len && write_to(&c->backend, to_backend, to_backend_len) < 0))
    end_conn(c, 1);
  else
    settle(c);
  pthread_mutex_unlock(&E.lock);
  return NULL;
}

/* closeGroup(group): closes its listeners and connections */
static napi_value js_close_group(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args_of(env, info, 1, argv)) return NULL;
  int32_t id;
  CHECK(napi_get_value_int32(env, argv[0], &id));
  pthread_mutex_lock(&E.lock);
  group_t *g = find_group(id);
  if (g) {
    for (listener_t *l = E.listeners; l; l = l->next)
      if (l->group == g) kill_listener(l);
    conn_t *c = E.conns;
    while (c) {
      conn_t *next = c->next;
      if (c->group == g) end_conn(c, 0);
      c = next;
    }
    g->dead = 1; /* kept: a few bytes, and events of this batch may still name it */
  }
  pthread_mutex_unlock(&E.lock);
  return NULL;
}

/* stats(group) -> { active, accepted, failed } */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args_of(env, info, 1, argv)) return NULL;
  int32_t id;
  CHECK(napi_get_value_int32(env, argv[0], &id));
  double active = 0, accepted = 0, failed = 0;
  pthread_mutex_lock(&E.lock);
  for (group_t *g = E.groups; g; g = g->next) {
    if (g->id != id) continue;
    active = (double)g->active;
    accepted = (double)g->accepted;
    failed = (double)g->failed;
  }
  pthread_mutex_unlock(&E.lock);
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "active", number(env, active));
  napi_set_named_property(env, result, "accepted", number(env, accepted));
  napi_set_named_property(env, result, "failed", number(env, failed));
  return result;
}

/* setSpin(microseconds): how long the relay thread polls for more events before it sleeps (0: never) */
static napi_value js_set_spin(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args_of(env, info, 1, argv)) return NULL;
  double us;
  CHECK(napi_get_value_double(env, argv[0], &us));
  pthread_mutex_lock(&E.lock);
  __atomic_store_n(&E.spin_ns, us > 0 ? (uint64_t)(us * 1000) : 0, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&E.lock);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createGroup", NULL, js_create_group, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_default, NULL},
      {"setBackends", NULL, js_set_backends, NULL, NULL, NULL, napi_default, NULL},
      {"closeListener", NULL, js_close_listener, NULL, NULL, NULL, napi_default, NULL},
      {"splice", NULL, js_splice, NULL, NULL, NULL, napi_default, NULL},
      {"closeGroup", NULL, js_close_group, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"setSpin", NULL, js_set_spin, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
