/* hostconfig.h - the values of Docker's HostConfig run/create flags: parsed and checked (pure) */
#ifndef ICC_HOSTCONFIG_H
#define ICC_HOSTCONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "icc/base/err.h"

/*
 * Each parser takes the flag's text and returns 0 with the value, or -EINVAL
 * with a message that says why (without the flag's name: the caller adds it).
 * No files, no globals.
 */

/* --memory, --shm-size: Docker's RAMInBytes: "64m", "1.5g", "512k", "100" (bytes),
 * units b k m g t p (binary, any case, an optional trailing b: "64mb"). */
int icc_parse_bytes(const char *s, int64_t *out, struct icc_err *err);

/* --cpus: a positive decimal number of CPUs, at most `ncpu`; in NanoCpus (1e9 per CPU). */
int icc_parse_cpus(const char *s, int ncpu, int64_t *nano, struct icc_err *err);

/* --pids-limit: an integer; 0 and -1 mean unlimited (*out = 0 then). */
int icc_parse_pids_limit(const char *s, int64_t *out, struct icc_err *err);

/* --ulimit NAME=SOFT[:HARD]: NAME as setrlimit names them without RLIMIT_ (nofile,
 * nproc, core, ...), SOFT and HARD integers >= 0 or -1 / "unlimited"; SOFT <= HARD. */
struct icc_ulimit {
	char name[16];
	int64_t soft, hard;   /* -1: unlimited */
};
int icc_parse_ulimit(const char *s, struct icc_ulimit *out, struct icc_err *err);

/* The capabilities the kernel names, in number order (CAP_CHOWN = 0 ...), NULL-terminated. */
extern const char *const icc_all_caps[];

/* --cap-add/--cap-drop: "net_admin", "CAP_NET_ADMIN", "ALL" (any case) into
 * "CAP_NET_ADMIN" or "ALL" in `out` (at least 32 bytes). */
int icc_parse_cap(const char *s, char *out, size_t size, struct icc_err *err);

/* --restart no | on-failure[:N] | always | unless-stopped. */
enum icc_restart_name { ICC_RESTART_NO, ICC_RESTART_ON_FAILURE, ICC_RESTART_ALWAYS,
			ICC_RESTART_UNLESS_STOPPED };
struct icc_restart_policy {
	enum icc_restart_name name;
	int max_retries;       /* on-failure only; 0: no limit */
};
int icc_parse_restart(const char *s, struct icc_restart_policy *out, struct icc_err *err);
/* "no", "on-failure", ... (Docker's HostConfig.RestartPolicy.Name); NULL/unknown is "no". */
const char *icc_restart_name_str(enum icc_restart_name n);
enum icc_restart_name icc_restart_name_of(const char *s);

/*
 * After a container ended with `exit_code` and had been restarted `restarts`
 * times: is it started again?  `stopped_by_user`: `icc stop` ended it (no
 * policy restarts it then, until the next start).
 */
bool icc_restart_wanted(const struct icc_restart_policy *p, int exit_code, int restarts,
			bool stopped_by_user);

/* Docker's back-off before a restart: 100 ms, doubled each time, at most one
 * minute, back to 100 ms after a run of 10 s or more.  `prev_ms` 0: the first. */
int64_t icc_restart_delay_ms(int64_t prev_ms, int64_t ran_ms);

/* --tmpfs PATH[:OPTS]: OPTS a comma list of tmpfs options (size=, mode=, uid=, gid=,
 * nr_inodes=, nr_blocks=, mpol=) and mount flags (ro, rw, exec, noexec, suid, ...). */
int icc_check_tmpfs_options(const char *opts, struct icc_err *err);

/* --add-host NAME:IP (or NAME=IP): a host name and an IPv4/IPv6 address. */
int icc_parse_add_host(const char *s, char *name, size_t nsize, char *ip, size_t isize,
		       struct icc_err *err);

#endif
