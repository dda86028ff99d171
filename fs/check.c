/* check.c - consistency check and repair of the store */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/check.h"
#include "icc/object.h"
#include "icc/ref.h"
#include "icc/snapdir.h"
#include "icc/subvol.h"

struct ctx {
	struct icc_store *st;
	bool repair;
	icc_check_report report;
	void *rctx;
	int problems;
};

static void found(struct ctx *c, bool repaired, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void found(struct ctx *c, bool repaired, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->problems++;
	c->report(msg, repaired, c->rctx);
}

static bool has_entry(int dirfd, const char *name, mode_t type)
{
	struct stat sb;
	return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && (sb.st_mode & S_IFMT) == type;
}

static void check_tmp(struct ctx *c)
{
	int fd = openat(c->st->root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		bool fixed = false;
		struct icc_err e;
		if (c->repair)
			fixed = icc_rmtree(dirfd(d), de->d_name, &e) == 0;
		found(c, fixed, "tmp/%s: left over from an interrupted operation", de->d_name);
	}
	closedir(d);
}

/*
 * A snapshot's meta.json must be readable (a JSON object within the
 * reader's 16 MiB) and name the snapshot's id and time: without them the
 * snapshot cannot be found by id, and lists with a made-up time.  Not
 * repaired: the file is left for the operator, named in full.
 */
static void check_snapshot_meta(struct ctx *c, const char *cid, const char *name, int sfd)
{
	cJSON *m;
	struct icc_err e;
	const char *why = NULL;
	if (icc_json_read(sfd, "meta.json", &m, &e) < 0) {
		why = e.msg;
	} else {
		const char *id = icc_json_str(m, "id");
		if (!id || strlen(id) != ICC_ID_LEN || !icc_is_hex(id, ICC_ID_LEN) ||
		    icc_time_parse(icc_json_str(m, "created")) == 0)
			why = "no snapshot id or creation time";
		cJSON_Delete(m);
	}
	if (why)
		found(c, false, "container %.12s: snapshot '%s': bad metadata %s/containers/%s/snapshots/%s/meta.json: %s",
		      cid, name, c->st->root, cid, name, why);
}

static void check_snapshots(struct ctx *c, const char *cid, int objfd)
{
	int fd = openat(objfd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".lock"))
			continue;
		struct icc_err e;
		bool fixed = false;
		if (!strncmp(de->d_name, ".tmp", 4)) {
			int r = icc_snapdir_tmp_busy(dirfd(d), de->d_name, c->repair);
			if (r == 1)
				continue; /* a snapshot being made right now */
			found(c, c->repair && r == 0, "container %.12s: snapshot being made or removed when interrupted (%s)", cid, de->d_name);
			continue;
		}
		int sfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			continue;
		bool rootfs = has_entry(sfd, "rootfs", S_IFDIR), meta = has_entry(sfd, "meta.json", S_IFREG);
		if (rootfs && meta)
			check_snapshot_meta(c, cid, de->d_name, sfd);
		close(sfd);
		if (rootfs && meta)
			continue;
		if (c->repair)
			fixed = icc_rmtree(dirfd(d), de->d_name, &e) == 0;
		found(c, fixed, "container %.12s: snapshot '%s' has %s", cid, de->d_name,
		      rootfs ? "no metadata" : "no subvolume");
	}
	closedir(d);
}

static void check_objects(struct ctx *c, enum icc_kind kind)
{
	int fd = openat(c->st->root_fd, icc_kind_dir(kind), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		const char *kn = icc_kind_name(kind);
		if (strlen(de->d_name) != ICC_ID_LEN || !icc_is_hex(de->d_name, ICC_ID_LEN)) {
			found(c, false, "%s/%s: not an icc object (left alone)", icc_kind_dir(kind), de->d_name);
			continue;
		}
		int ofd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ofd < 0)
			continue;
		bool rootfs = has_entry(ofd, "rootfs", S_IFDIR), meta = has_entry(ofd, "meta.json", S_IFREG);
		struct icc_err e;
		if (rootfs && meta) {
			cJSON *m;
			if (icc_json_read(ofd, "meta.json", &m, &e) < 0)
				found(c, false, "%s %.12s: corrupt metadata (meta.json); its files are in %s/%s/%s/rootfs",
				      kn, de->d_name, c->st->root, icc_kind_dir(kind), de->d_name);
			else
				cJSON_Delete(m);
			if (kind == ICC_CONTAINER)
				check_snapshots(c, de->d_name, ofd);
			close(ofd);
			continue;
		}
		close(ofd);
		bool fixed = false;
		if (c->repair)
			fixed = icc_object_remove(c->st, kind, de->d_name, &e) == 0;
		found(c, fixed, "%s %.12s: %s", kn, de->d_name,
		      rootfs ? "subvolume without metadata (orphan)" : "metadata without a subvolume");
	}
	closedir(d);
}

static void check_refs(struct ctx *c)
{
	cJSON *refs;
	struct icc_err e;
	if (icc_refs_load(c->st, &refs, &e) < 0) {
		found(c, false, "%s", e.msg);
		return;
	}
	bool changed = false;
	cJSON *it = refs->child;
	while (it) {
		cJSON *next = it->next;
		bool bad = !cJSON_IsString(it) || !icc_object_exists(c->st, ICC_IMAGE, it->valuestring);
		if (bad) {
			found(c, c->repair, "tag '%s' names a missing image", it->string);
			if (c->repair) {
				cJSON_Delete(cJSON_DetachItemViaPointer(refs, it));
				changed = true;
			}
		}
		it = next;
	}
	if (changed)
		icc_refs_save(c->st, refs, &e);
	cJSON_Delete(refs);
}

int icc_store_check(struct icc_store *st, bool repair, icc_check_report report,
		    void *rctx, struct icc_err *err)
{
	struct ctx c = {.st = st, .repair = repair, .report = report, .rctx = rctx};
	check_tmp(&c);
	check_objects(&c, ICC_IMAGE);
	check_objects(&c, ICC_CONTAINER);
	check_refs(&c);
	return c.problems;
}
