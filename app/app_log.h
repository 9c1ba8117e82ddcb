/* app_log: corral-app's log. One line per event on stderr, written whole
 * with one write(2) so the lines of the master and of its workers (which
 * share stderr) never interleave: UTC timestamp, process role and pid,
 * then the message. No levels: the app logs only what an operator acts on
 * (start, stop, a worker's death, database errors). */
#ifndef CORRAL_APP_APP_LOG_H
#define CORRAL_APP_APP_LOG_H

/* The role printed before the pid: "master" or "worker". The pointer is
 * kept, so pass a string literal. Set once per process (after fork). */
void app_log_set_role(const char *role);

void app_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
