/* oci_spec.h - a container's OCI runtime config (config.json) from its icc config: pure */
#ifndef ICC_OCI_SPEC_H
#define ICC_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* ---- policy: what a container gets unless its config says otherwise ---- */

/* Docker's default capability set, NULL-terminated. */
extern const char *const icc_default_caps[];
/* /proc and /sys paths hidden (masked) or read-only in every unprivileged container. */
extern const char *const icc_masked_paths[];
extern const char *const icc_readonly_paths[];
/* /dev/shm's size without --shm-size (Docker's 64 MiB). */
#define ICC_SHM_DEFAULT_BYTES (64LL << 20)
/* RLIMIT_NOFILE: the host's hard limit, at most this (as Docker's daemon gives). */
#define ICC_NOFILE_MAX 1048576ULL
/* Where --init's tini appears: on the runtime's /dev tmpfs, so nothing is
 * written into the container's tree (commits stay clean, --read-only works). */
#define ICC_INIT_PATH "/dev/init"
/* The CFS period --cpus is a share of (Docker's 100 ms). */
#define ICC_CPU_PERIOD_US 100000
/* PATH when neither the image nor -e gives one. */
#define ICC_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What the spec needs beyond the config: facts of this host and this start. */
struct icc_oci_host {
	const char *rootfs;          /* root.path: the container's icc-fs mount */
	const char *hostname;
	const char *hostname_file, *hosts_file, *resolv_file;  /* bound over /etc/... */
	const char *ctl_dir;         /* rootfs's /.icc: kept writable under --read-only */
	const char *cgroups_path;    /* linux.cgroupsPath */
	const char *netns;           /* the network namespace to join; NULL or "": a new one */
	bool host_network;           /* --network host: no network namespace */
	bool tty;                    /* process.terminal */
	long uid, gid;               /* the config's User, resolved in the container's /etc */
	unsigned long long nofile;   /* RLIMIT_NOFILE to give; 0: none */
	const char *init_binary;     /* host path of tini (for Init), NULL if not installed */
	const cJSON *seccomp;        /* linux.seccomp (copied), NULL: no filter */
	const cJSON *devices;        /* linux.devices for Privileged (copied), NULL: none */
	uint64_t cap_bounding;       /* the host's bounding set (bit N: capability N); 0: all */
};

/*
 * The effective capability set of `cfg` (Privileged, CapAdd, CapDrop with ALL
 * over icc_default_caps, as Docker computes it), in kernel order into `out`
 * (size >= 42), NULL-terminated.  "All" (--privileged, --cap-add ALL) means
 * all of `bounding` (0: every capability named).  Returns how many.
 */
size_t icc_oci_caps(const cJSON *cfg, uint64_t bounding, const char **out);

/*
 * config.json for a container whose config (meta.json "config", Docker's key
 * names: Cmd, Entrypoint, Env, User, WorkingDir, Mounts, Init, ReadonlyRootfs,
 * Tmpfs, ShmSize, Memory, NanoCpus, PidsLimit, Ulimits, CapAdd, CapDrop,
 * Privileged, NoNewPrivileges) is `cfg`.  Pure: reads no files, never fails
 * but for memory (NULL).
 */
cJSON *icc_oci_spec(const cJSON *cfg, const struct icc_oci_host *h);

#endif
