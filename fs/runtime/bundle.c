/* bundle.c - write a container's bundle: the /etc files and config.json (icc_oci_spec's) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/runtime/oci_spec.h"
#include "icc/runtime/runtime.h"
#include "icc/runtime/seccomp.h"

/*
 * The bundle's files (config.json, hostname, hosts, resolv.conf) are made
 * afresh before every start and read only by the runtime right after: they
 * are written whole (temp file, rename) but not synced, which saves a start
 * eight fsyncs.  After a crash a start rewrites them anyway.
 */
static int write_bundle_file(int dirfd, const char *name, const char *data, size_t len,
			     struct icc_err *err)
{
	return icc_write_file_replace(dirfd, name, data, len, false, err);
}

const char *icc_init_binary(void)
{
	/* tini-static runs in any image; the dynamic tini needs the image's libc */
	static const char *const candidates[] = {"/usr/bin/tini-static", "/usr/bin/tini", NULL};
	for (size_t i = 0; candidates[i]; i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* /etc/hosts: the network's lines, then each --add-host (Docker puts them last). */
static char *hosts_text(const char *base, const cJSON *cfg)
{
	size_t cap = strlen(base) + 1;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "ExtraHosts"))
		if (cJSON_IsString(it))
			cap += strlen(it->valuestring) + 2;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t n = (size_t)snprintf(out, cap, "%s", base);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, "ExtraHosts")) {
		if (!cJSON_IsString(it))
			continue;
		/* stored as NAME:IP; the address may hold colons itself */
		const char *s = it->valuestring, *colon = strchr(s, ':');
		if (colon)
			n += (size_t)snprintf(out + n, cap - n, "%s\t%.*s\n", colon + 1, (int)(colon - s), s);
	}
	return out;
}

/* Files bind-mounted over /etc: kept beside the rootfs, never written into it. */
static int etc_files(struct icc_store *st, const char *id, int dfd, const cJSON *cfg,
		     const char *hostname, struct icc_net_files *nf, struct icc_err *err)
{
	int r = icc_net_files(st, id, cfg, hostname, nf, err);
	if (r < 0)
		return r;
	char text[300];
	snprintf(text, sizeof(text), "%s\n", hostname);
	r = write_bundle_file(dfd, "hostname", text, strlen(text), err);
	char *hosts = r == 0 ? hosts_text(nf->hosts, cfg) : NULL;
	if (r == 0 && !hosts)
		r = icc_err_set(err, ENOMEM, "out of memory");
	if (r == 0)
		r = write_bundle_file(dfd, "hosts", hosts, strlen(hosts), err);
	free(hosts);
	if (r == 0)
		r = write_bundle_file(dfd, "resolv.conf", nf->resolv, strlen(nf->resolv), err);
	return r;
}

/* One device node of the host as an OCI linux.devices entry (NULL if not a device). */
static cJSON *device_entry(int dirfd, const char *dir, const char *name)
{
	struct stat sb;
	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !(S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)))
		return NULL;
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "path", path);
	cJSON_AddStringToObject(d, "type", S_ISCHR(sb.st_mode) ? "c" : "b");
	cJSON_AddNumberToObject(d, "major", major(sb.st_rdev));
	cJSON_AddNumberToObject(d, "minor", minor(sb.st_rdev));
	cJSON_AddNumberToObject(d, "fileMode", sb.st_mode & 07777);
	cJSON_AddNumberToObject(d, "uid", sb.st_uid);
	cJSON_AddNumberToObject(d, "gid", sb.st_gid);
	return d;
}

/* --privileged: the host's device nodes in /dev and its subdirectories (as Docker gives). */
static void scan_devices(cJSON *out, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && cJSON_GetArraySize(out) < 4096) {
		const char *n = e->d_name;
		/* the runtime's own /dev/pts, shm, mqueue and console stay its */
		if (n[0] == '.' || !strcmp(n, "pts") || !strcmp(n, "shm") || !strcmp(n, "mqueue") ||
		    !strcmp(n, "console") || !strcmp(n, "ptmx") || !strcmp(n, "tty"))
			continue;
		if (e->d_type == DT_DIR && depth == 0) {
			char sub[300];
			snprintf(sub, sizeof(sub), "%s/%s", dir, n);
			scan_devices(out, sub, 1);
			continue;
		}
		cJSON *dev = device_entry(dirfd(d), dir, n);
		if (dev)
			cJSON_AddItemToArray(out, dev);
	}
	closedir(d);
}

/* The serialised spec, with a final newline, as config.json in the bundle directory. */
static int write_config(int dfd, const cJSON *spec, struct icc_err *err)
{
	if (mkdirat(dfd, "bundle", 0700) < 0 && errno != EEXIST)
		return icc_err_sys(err, errno, "cannot create the bundle directory");
	int bfd = openat(dfd, "bundle", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return icc_err_sys(err, errno, "cannot open the bundle directory");
	char *txt = cJSON_Print(spec);
	size_t len = txt ? strlen(txt) : 0;
	char *t2 = txt ? realloc(txt, len + 2) : NULL;
	int r;
	if (!t2) {
		free(txt);
		r = icc_err_set(err, ENOMEM, "cannot serialise 'config.json'");
	} else {
		t2[len++] = '\n';
		t2[len] = '\0';
		r = write_bundle_file(bfd, "config.json", t2, len, err);
		free(t2);
	}
	close(bfd);
	return r;
}

/* This process's capability bounding set (what a container can be given at most). */
static uint64_t cap_bounding(void)
{
	char *data;
	size_t len;
	struct icc_err e;
	if (icc_read_file(AT_FDCWD, "/proc/self/status", 1 << 16, &data, &len, &e) < 0)
		return 0;
	const char *p = strstr(data, "\nCapBnd:");
	uint64_t v = p ? strtoull(p + 9, NULL, 16) : 0;
	free(data);
	return v;
}

/* The host's hard RLIMIT_NOFILE, at most ICC_NOFILE_MAX. */
static unsigned long long nofile_limit(void)
{
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
		return 0;
	unsigned long long hard = lim.rlim_max == RLIM_INFINITY ? ICC_NOFILE_MAX : lim.rlim_max;
	return hard > ICC_NOFILE_MAX ? ICC_NOFILE_MAX : hard;
}

int icc_bundle_write(struct icc_store *st, const char *id, const cJSON *meta, int tty,
		     struct icc_err *err)
{
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
	bool priv = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "Privileged"));
	char short_id[13], hostname[256];
	snprintf(short_id, sizeof(short_id), "%.12s", id);
	const char *hn = icc_json_str(cfg, "Hostname");
	snprintf(hostname, sizeof(hostname), "%s", hn && *hn ? hn : short_id);
	char rootfs[4400], ctl[4500], files[3][4400], cgpath[128];
	icc_object_path(st, ICC_CONTAINER, id, "merged", rootfs, sizeof(rootfs));
	snprintf(ctl, sizeof(ctl), "%s/.icc", rootfs);
	static const char *const names[] = {"hostname", "hosts", "resolv.conf"};
	for (size_t i = 0; i < 3; i++)
		icc_object_path(st, ICC_CONTAINER, id, names[i], files[i], sizeof(files[i]));
	snprintf(cgpath, sizeof(cgpath), "/icc/%s", id);
	struct icc_oci_host h = {
		.rootfs = rootfs, .hostname = hostname, .ctl_dir = ctl, .cgroups_path = cgpath,
		.hostname_file = files[0], .hosts_file = files[1], .resolv_file = files[2],
		.tty = tty >= 0 ? tty : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "Tty")),
		.nofile = nofile_limit(), .init_binary = icc_init_binary(), .cap_bounding = cap_bounding(),
	};
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "Init")) && !h.init_binary)
		return icc_err_set(err, ENOENT, "--init needs tini, which is not installed (apt-get install tini)");
	int dfd = icc_object_dirfd(st, ICC_CONTAINER, id, err);
	if (dfd < 0)
		return dfd;
	struct icc_net_files nf;
	int r = etc_files(st, id, dfd, cfg, hostname, &nf, err);
	h.netns = nf.netns;
	h.host_network = nf.host;
	if (r == 0)
		r = icc_runtime_user(st, id, icc_json_str(cfg, "User"), &h.uid, &h.gid, err);
	cJSON *sec = NULL, *devices = NULL;
	if (r == 0 && !priv) {
		const char *caps[64];
		icc_oci_caps(cfg, h.cap_bounding, caps);
		r = icc_seccomp_for_container(cJSON_GetObjectItemCaseSensitive(cfg, "Seccomp"), caps, &sec, err);
	}
	if (r == 0 && priv) {
		devices = cJSON_CreateArray();
		scan_devices(devices, "/dev", 0);
	}
	h.seccomp = sec;
	h.devices = devices;
	cJSON *spec = r == 0 ? icc_oci_spec(cfg, &h) : NULL;
	if (r == 0 && !spec)
		r = icc_err_set(err, ENOMEM, "cannot build 'config.json'");
	if (r == 0)
		r = write_config(dfd, spec, err);
	cJSON_Delete(spec);
	cJSON_Delete(sec);
	cJSON_Delete(devices);
	icc_net_files_free(&nf);
	close(dfd);
	return r;
}
