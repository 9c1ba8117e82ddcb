/* worker: one pre-forked worker process. It serves HTTP/1.1 with
 * keep-alive through libevent's evhttp on the listening socket it shares
 * with its siblings, one request at a time (the handlers block on libpq),
 * and on SIGTERM drains: it stops accepting, finishes what it has, answers
 * with Connection: close, and returns once its connections have been
 * quiet for a moment or drain-timeout has passed. */
#ifndef CORRAL_APP_WORKER_H
#define CORRAL_APP_WORKER_H

#include <sys/types.h>

#include "app/settings.h"

/* Run a worker in a freshly forked child until it has drained. listen_fd
 * is the shared non-blocking listening socket (the worker closes its copy);
 * master is the parent's pid: the worker stops when the master dies.
 * Returns the process's exit status: 0 after a drain, 1 when it could not
 * start (reason logged). */
int worker_run(const struct app_settings *s, int listen_fd, pid_t master);

#endif
