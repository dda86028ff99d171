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

#include "icc/store/check.h"
#include "icc/network/network.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"
#include "icc/container/rollback.h"
#include "icc/snap/snapdir.h"
#include "icc/snap/snapkeep.h"
#include "icc/store/subvol.h"
#include "icc/snap/tmpsnap.h"

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

/* A directory of the store to walk (NULL: none to check); flags: O_NOFOLLOW or 0. */
static DIR *dir_open(int parent, const char *name, int flags)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* The next entry's name, "." and ".." passed over; NULL at the end. */
static const char *next_name(DIR *d)
{
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return de->d_name;
	return NULL;
}

static void check_tmp(struct ctx *c)
{
	DIR *d = dir_open(c->st->root_fd, "tmp", 0);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		int lock_fd;
		if (!icc_tmp_claim(dirfd(d), de->d_name, &lock_fd))
			continue; /* a live export or diff is reading it */
		bool fixed = false;
		struct icc_err e;
		const char *kid = de->d_name + 5;
		int pending = 0;
		if (!strncmp(de->d_name, "keep-", 5) && strlen(kid) == ICC_ID_LEN && icc_is_hex(kid, ICC_ID_LEN))
			pending = icc_keep_pending(c->st, kid);
		if (pending > 0) {
			/* a container removed while its snapshots were being kept:
			 * finish keeping them, never delete them */
			int kept;
			if (c->repair)
				fixed = icc_keep_finish(c->st, kid, &kept, &e) == 0;
			found(c, fixed, "tmp/%s: removal of container %.12s interrupted; %d snapshot%s not yet kept in snapshots/",
			      de->d_name, kid, pending, pending == 1 ? "" : "s");
			continue;
		}
		if (c->repair)
			fixed = icc_rmtree(dirfd(d), de->d_name, &e) == 0;
		if (lock_fd >= 0)
			close(lock_fd);
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
static void check_snapshot_meta(struct ctx *c, const char *what, const char *name, int sfd)
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
	if (!why)
		return;
	char link[64], dir[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", sfd);
	ssize_t n = readlink(link, dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	found(c, false, "%s: snapshot '%s': bad metadata %s/meta.json: %s", what, name, dir, why);
}

/* The entries of one snapshot directory; `what` names its owner in reports. */
static void check_snapdir(struct ctx *c, const char *what, int parent, const char *name)
{
	DIR *d = dir_open(parent, name, O_NOFOLLOW);
	if (!d)
		return;
	const char *ent;
	while ((ent = next_name(d))) {
		if (!strcmp(ent, ".lock") || !strcmp(ent, ".container.json"))
			continue;
		struct icc_err e;
		bool fixed = false;
		if (!strncmp(ent, ".tmp", 4)) {
			int r = icc_snapdir_tmp_busy(dirfd(d), ent, c->repair);
			if (r == 1)
				continue; /* a snapshot being made right now */
			found(c, c->repair && r == 0, "%s: snapshot being made or removed when interrupted (%s)", what, ent);
			continue;
		}
		int sfd = openat(dirfd(d), ent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			continue;
		bool rootfs = has_entry(sfd, "rootfs", S_IFDIR), meta = has_entry(sfd, "meta.json", S_IFREG);
		if (rootfs && meta)
			check_snapshot_meta(c, what, ent, sfd);
		close(sfd);
		if (rootfs && meta)
			continue;
		if (!rootfs) {
			/* published, its snapshot ioctl running (or dead) */
			int r = icc_snapdir_unfinished(dirfd(d), ent, c->repair);
			if (r == 1 || r == 2)
				continue;
			found(c, c->repair && r == 0, "%s: snapshot '%s' has no subvolume (being made when interrupted)",
			      what, ent);
			continue;
		}
		if (c->repair)
			fixed = icc_rmtree(dirfd(d), ent, &e) == 0;
		found(c, fixed, "%s: snapshot '%s' has no metadata", what, ent);
	}
	closedir(d);
}

/* snapshots/<id>: what is kept of removed containers */
static void check_kept(struct ctx *c)
{
	DIR *d = dir_open(c->st->root_fd, "snapshots", 0);
	if (!d)
		return;
	const char *ent;
	while ((ent = next_name(d))) {
		if (strlen(ent) != ICC_ID_LEN || !icc_is_hex(ent, ICC_ID_LEN)) {
			found(c, false, "snapshots/%s: not an icc object (left alone)", ent);
			continue;
		}
		char what[80];
		snprintf(what, sizeof(what), "removed container %.12s", ent);
		check_snapdir(c, what, dirfd(d), ent);
		struct icc_err e;
		bool fixed = false;
		if (icc_kept_count(c->st, ent) == 0) {
			/* its last snapshot was deleted, the directory not yet */
			if (c->repair)
				fixed = icc_kept_remove(c->st, ent, &e) == 0;
			found(c, fixed, "snapshots/%s: no snapshot left (removal interrupted)", ent);
			continue;
		}
		cJSON *m;
		if (icc_kept_meta(c->st, ent, &m, &e) < 0)
			found(c, false, "%s: no readable record (.container.json); its snapshots are in %s/snapshots/%s",
			      what, c->st->root, ent);
		else
			cJSON_Delete(m);
		if (icc_object_exists(c->st, ICC_CONTAINER, ent))
			found(c, false, "%s: the container exists too (left alone)", what);
	}
	closedir(d);
}

/*
 * A rollback killed between its steps (rollback.h) leaves rootfs.new: the
 * staged snapshot (killed before the swap) or the old tree (after it);
 * rootfs is whole either way, so rootfs.new is only deleted.
 */
static void check_rollback_left(struct ctx *c, int cfd, const char *id)
{
	if (!has_entry(cfd, "rootfs" ICC_ROLLBACK_STAGED_SUFFIX, S_IFDIR))
		return;
	struct icc_err e;
	bool fixed = c->repair && icc_rollback_drop(cfd, "rootfs", &e) == 0;
	found(c, fixed, "container %.12s: an interrupted rollback left rootfs%s (its tree is whole)", id,
	      ICC_ROLLBACK_STAGED_SUFFIX);
}

static void check_objects(struct ctx *c, enum icc_kind kind)
{
	DIR *d = dir_open(c->st->root_fd, icc_kind_dir(kind), 0);
	if (!d)
		return;
	const char *ent;
	while ((ent = next_name(d))) {
		const char *kn = icc_kind_name(kind);
		if (strlen(ent) != ICC_ID_LEN || !icc_is_hex(ent, ICC_ID_LEN)) {
			found(c, false, "%s/%s: not an icc object (left alone)", icc_kind_dir(kind), ent);
			continue;
		}
		int ofd = openat(dirfd(d), ent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ofd < 0)
			continue;
		bool rootfs = has_entry(ofd, "rootfs", S_IFDIR), meta = has_entry(ofd, "meta.json", S_IFREG);
		struct icc_err e;
		if (rootfs && meta) {
			cJSON *m;
			if (icc_json_read(ofd, "meta.json", &m, &e) < 0)
				found(c, false, "%s %.12s: corrupt metadata (meta.json); its files are in %s/%s/%s/rootfs",
				      kn, ent, c->st->root, icc_kind_dir(kind), ent);
			else
				cJSON_Delete(m);
			if (kind == ICC_CONTAINER) {
				char what[64];
				snprintf(what, sizeof(what), "container %.12s", ent);
				check_snapdir(c, what, ofd, "snapshots");
				check_rollback_left(c, ofd, ent);
			}
			close(ofd);
			continue;
		}
		close(ofd);
		bool fixed = false;
		if (c->repair)
			fixed = icc_object_remove(c->st, kind, ent, &e) == 0;
		found(c, fixed, "%s %.12s: %s", kn, ent,
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
	check_kept(&c);
	check_refs(&c);
	/* networks left set up by starts that were killed (kill -9 of the monitor) */
	c.problems += icc_net_check(st, repair, report, rctx);
	return c.problems;
}
