/* snapref.c - resolve CONTAINER/NAME, snapshot ids and bare names; list every snapshot */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/base/util.h"
#include "icc/store/object.h"
#include "icc/snap/snapkeep.h"
#include "icc/snap/snapref.h"

int icc_container_snapdir_open(struct icc_store *st, const char *container_id,
			       struct icc_snapdir *sd, struct icc_err *err)
{
	sd->dirfd = -1;
	if (icc_object_exists(st, ICC_CONTAINER, container_id)) {
		/* through the container's dirfd: a container removed meanwhile is
		 * not brought back as an empty directory */
		int ofd = icc_object_dirfd(st, ICC_CONTAINER, container_id, err);
		if (ofd < 0)
			return ofd;
		if (mkdirat(ofd, "snapshots", 0700) < 0 && errno != EEXIST) {
			int e = errno;
			close(ofd);
			return icc_err_sys(err, e, "cannot create the snapshot directory of container %.12s", container_id);
		}
		sd->dirfd = openat(ofd, "snapshots", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(ofd);
		if (sd->dirfd < 0)
			return icc_err_sys(err, e, "cannot open the snapshot directory of container %.12s", container_id);
		return 0;
	}
	if (!icc_kept_exists(st, container_id))
		return icc_err_set(err, ENOENT, "no such container %.12s", container_id);
	char rel[128];
	snprintf(rel, sizeof(rel), "snapshots/%s", container_id);
	/* never created here: a kept directory exists only by icc_keep_finish */
	sd->dirfd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sd->dirfd < 0)
		return icc_err_sys(err, errno, "cannot open '%s/%s'", st->root, rel);
	return 0;
}

int icc_snap_owner_meta(struct icc_store *st, const char *container_id, cJSON **meta,
			bool *removed, struct icc_err *err)
{
	*removed = false;
	if (icc_object_exists(st, ICC_CONTAINER, container_id))
		return icc_object_meta(st, ICC_CONTAINER, container_id, meta, err);
	*removed = true;
	return icc_kept_meta(st, container_id, meta, err);
}

static int add_dir(struct icc_store *st, const char *cid, bool removed,
		   struct icc_store_snap **v, size_t *n, size_t *cap, struct icc_err *err)
{
	struct icc_snapdir sd;
	struct icc_err e2;
	if (icc_container_snapdir_open(st, cid, &sd, &e2) < 0)
		return 0; /* removed meanwhile */
	struct icc_snap_info *all = NULL;
	size_t count = 0;
	int r = icc_snapdir_list(&sd, &all, &count, &e2);
	icc_snapdir_close(&sd);
	if (r < 0 || count == 0) {
		free(all);
		return 0;
	}
	char cname[256] = "";
	cJSON *meta;
	bool rm;
	if (icc_snap_owner_meta(st, cid, &meta, &rm, &e2) == 0) {
		const char *s = icc_json_str(meta, "name");
		snprintf(cname, sizeof(cname), "%s", s ? s : "");
		cJSON_Delete(meta);
	}
	for (size_t k = 0; k < count; k++) {
		if (icc_grow(v, cap, *n, sizeof(**v), 16) < 0) {
			free(all);
			return icc_err_set(err, ENOMEM, "out of memory listing snapshots");
		}
		struct icc_store_snap *s = &(*v)[(*n)++];
		memcpy(s->container_id, cid, ICC_ID_LEN + 1);
		snprintf(s->container_name, sizeof(s->container_name), "%s", cname);
		s->removed = removed;
		s->info = all[k];
	}
	free(all);
	return 0;
}

int icc_snapshots_all(struct icc_store *st, struct icc_store_snap **out, size_t *count,
		      struct icc_err *err)
{
	*out = NULL;
	*count = 0;
	struct icc_idlist live, kept;
	int r = icc_object_list(st, ICC_CONTAINER, &live, err);
	if (r < 0)
		return r;
	r = icc_kept_list(st, &kept, err);
	if (r < 0) {
		icc_idlist_free(&live);
		return r;
	}
	struct icc_store_snap *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; r == 0 && i < live.count; i++)
		r = add_dir(st, live.ids[i], false, &v, &n, &cap, err);
	for (size_t i = 0; r == 0 && i < kept.count; i++)
		if (!icc_object_exists(st, ICC_CONTAINER, kept.ids[i]))
			r = add_dir(st, kept.ids[i], true, &v, &n, &cap, err);
	icc_idlist_free(&live);
	icc_idlist_free(&kept);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*count = n;
	return 0;
}

/* A removed container whose snapshots are kept, by name or (unless names_only) id prefix. */
static int kept_resolve(struct icc_store *st, const char *cref, bool names_only,
			char cid[ICC_ID_LEN + 1], struct icc_err *err)
{
	struct icc_idlist l;
	int r = icc_kept_list(st, &l, err);
	if (r < 0)
		return r;
	size_t len = strlen(cref);
	bool hex = !names_only && len >= 1 && len <= ICC_ID_LEN && icc_is_hex(cref, len);
	int by_name = 0, by_id = 0;
	char name_cid[ICC_ID_LEN + 1] = "", id_cid[ICC_ID_LEN + 1] = "";
	for (size_t i = 0; i < l.count; i++) {
		if (icc_object_exists(st, ICC_CONTAINER, l.ids[i]))
			continue;
		if (hex && !strncmp(l.ids[i], cref, len) && by_id++ == 0)
			memcpy(id_cid, l.ids[i], sizeof(id_cid));
		cJSON *meta;
		struct icc_err e2;
		if (icc_kept_meta(st, l.ids[i], &meta, &e2) == 0) {
			const char *s = icc_json_str(meta, "name");
			if (s && !strcmp(s, cref) && by_name++ == 0)
				memcpy(name_cid, l.ids[i], sizeof(name_cid));
			cJSON_Delete(meta);
		}
	}
	icc_idlist_free(&l);
	if (by_name == 1) {
		memcpy(cid, name_cid, ICC_ID_LEN + 1);
		return 0;
	}
	if (by_name > 1)
		return icc_err_set(err, EINVAL, "%d removed containers were named '%s': use a snapshot id", by_name, cref);
	if (by_id == 1) {
		memcpy(cid, id_cid, ICC_ID_LEN + 1);
		return 0;
	}
	if (by_id > 1)
		return icc_err_set(err, EINVAL, "ambiguous container id prefix '%s': %d removed containers match", cref, by_id);
	return icc_err_set(err, ENOENT, "no such container '%s'", cref);
}

/* Did the live container `id` answer to `ref` by an id prefix only (not its full id, not its name)? */
static bool matched_by_prefix(struct icc_store *st, const char *ref, const char *id)
{
	size_t len = strlen(ref);
	if (len >= ICC_ID_LEN || strncmp(id, ref, len))
		return false;
	cJSON *meta;
	struct icc_err e;
	if (icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
		return false;
	const char *name = icc_json_str(meta, "name");
	bool by_name = name && !strcmp(name, ref[0] == '/' ? ref + 1 : ref);
	cJSON_Delete(meta);
	return !by_name;
}

int icc_snap_container_resolve(struct icc_store *st, const char *ref, char id[ICC_ID_LEN + 1],
			       struct icc_err *err)
{
	int r = icc_container_resolve(st, ref, id, err);
	if (r == -ENOENT)
		return kept_resolve(st, ref, false, id, err);
	if (r < 0 || !matched_by_prefix(st, ref, id))
		return r;
	/* names before id prefixes, as Docker: a removed container named `ref`
	 * wins over a live one whose id merely starts with it */
	char kept[ICC_ID_LEN + 1];
	struct icc_err e2;
	if (kept_resolve(st, ref, true, kept, &e2) == 0)
		memcpy(id, kept, sizeof(kept));
	return 0;
}

int icc_snapshot_resolve(struct icc_store *st, const char *ref,
			 char container_id[ICC_ID_LEN + 1], struct icc_snap_info *info,
			 struct icc_err *err)
{
	if (!ref || !*ref)
		return icc_err_set(err, EINVAL, "empty snapshot reference");
	const char *slash = strchr(ref, '/');
	if (slash) {
		char cref[256];
		snprintf(cref, sizeof(cref), "%.*s", (int)(slash - ref), ref);
		int r = icc_snap_container_resolve(st, cref, container_id, err);
		if (r < 0)
			return r;
		if (!icc_snap_name_valid(slash + 1))
			return icc_err_set(err, EINVAL, "invalid snapshot name '%s'", slash + 1);
		struct icc_snapdir sd;
		r = icc_container_snapdir_open(st, container_id, &sd, err);
		if (r < 0)
			return r;
		r = icc_snapdir_get(&sd, slash + 1, info, err);
		icc_snapdir_close(&sd);
		if (r == -ENOENT)
			return icc_err_set(err, ENOENT, "no such snapshot '%s'", ref);
		return r;
	}

	/* Search every snapshot of the store: by id prefix, then by name. */
	struct icc_store_snap *all;
	size_t count;
	int r = icc_snapshots_all(st, &all, &count, err);
	if (r < 0)
		return r;
	size_t n = strlen(ref);
	bool hex = n >= 1 && n <= ICC_ID_LEN && icc_is_hex(ref, n);
	int by_id = 0, by_name = 0;
	size_t id_at = 0, name_at = 0;
	for (size_t k = 0; k < count; k++) {
		if (hex && !strncmp(all[k].info.id, ref, n) && by_id++ == 0)
			id_at = k;
		if (!strcmp(all[k].info.name, ref) && by_name++ == 0)
			name_at = k;
	}
	if (by_id == 1 || (by_id == 0 && by_name == 1)) {
		size_t at = by_id == 1 ? id_at : name_at;
		*info = all[at].info;
		memcpy(container_id, all[at].container_id, ICC_ID_LEN + 1);
		free(all);
		return 0;
	}
	free(all);
	if (by_id > 1)
		return icc_err_set(err, EINVAL, "ambiguous snapshot id prefix '%s': %d snapshots match", ref, by_id);
	if (by_name > 1)
		return icc_err_set(err, EINVAL, "snapshot name '%s' exists in %d containers: say CONTAINER/%s", ref, by_name, ref);
	return icc_err_set(err, ENOENT, "no such snapshot '%s'", ref);
}
