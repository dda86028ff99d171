/* seccomp.h - a container's seccomp filter: Docker-format profiles turned into OCI linux.seccomp */
#ifndef ICC_SECCOMP_H
#define ICC_SECCOMP_H

#include <cjson/cJSON.h>

#include "icc/base/err.h"

/* The maintained default profile podman and buildah use, and its Debian package. */
#define ICC_SECCOMP_DEFAULT_PROFILE "/usr/share/containers/seccomp.json"
#define ICC_SECCOMP_DEFAULT_PACKAGE "golang-github-containers-common"

/* What a container is started with (config.Seccomp, else the default). */
struct icc_seccomp_host {
	const char *goarch;      /* "amd64", "arm64", ...: the names profiles use in "arches" */
	int kmajor, kminor;      /* running kernel, for "minKernel" */
};

/*
 * Translate a Docker-format profile (defaultAction, defaultErrnoRet, archMap
 * or architectures, syscalls[] with names/action/errnoRet/args and
 * includes/excludes {caps, arches, minKernel}) into the OCI linux.seccomp
 * object for a container whose capability set is `caps` (NULL-terminated)
 * on `host`.  Rules are kept as Docker keeps them: includes.caps needs every
 * listed capability, excludes.caps drops the rule if any is present.
 * `overlay` (a syscalls[] array in the same format, or NULL) takes over every
 * syscall it names: those names leave the profile's rules, and the overlay's
 * own rules are added.  `name` names the profile in messages.
 * Pure: no files, no globals.  0 and *out, or -EINVAL with a one-line message.
 */
int icc_seccomp_translate(const cJSON *profile, const cJSON *overlay, const char *const *caps,
			  const struct icc_seccomp_host *host, const char *name, cJSON **out,
			  struct icc_err *err);

/* The running machine: uname's arch and kernel release. */
int icc_seccomp_host_get(struct icc_seccomp_host *host, struct icc_err *err);

/* Read and parse a profile file (at most 4 MiB); the message names the file. */
int icc_seccomp_load(const char *path, cJSON **profile, struct icc_err *err);

/*
 * The linux.seccomp of a container: `setting` is config.Seccomp - NULL or
 * "default" (the default profile with icc's overlay), "unconfined" (*out stays
 * NULL: no filter) or a profile object given with --security-opt seccomp=FILE.
 * A missing default profile is an error naming the file and its package.
 */
int icc_seccomp_for_container(const cJSON *setting, const char *const *caps, cJSON **out,
			      struct icc_err *err);

#endif
