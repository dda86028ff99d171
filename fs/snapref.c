/* snapref.c - resolve CONTAINER/NAME, snapshot ids and bare names */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icc/container.h"
#include "icc/object.h"
#include "icc/snapref.h"

int icc_container_snapdir_open(struct icc_store *st, const char *container_id,
			       struct icc_snapdir *sd, struct icc_err *err)
{
	char path[4300];
	icc_container_snapdir(st, container_id, path, sizeof(path));
	return icc_snapdir_open(sd, path, err);
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
		int r = icc_container_resolve(st, cref, container_id, err);
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

	/* Search every container: by id prefix, then by name. */
	struct icc_idlist l;
	int r = icc_object_list(st, ICC_CONTAINER, &l, err);
	if (r < 0)
		return r;
	size_t n = strlen(ref);
	bool hex = n >= 1 && n <= ICC_ID_LEN && icc_is_hex(ref, n);
	int by_id = 0, by_name = 0;
	char id_cid[ICC_ID_LEN + 1] = "", name_cid[ICC_ID_LEN + 1] = "";
	struct icc_snap_info id_info, name_info;
	for (size_t i = 0; i < l.count; i++) {
		struct icc_snapdir sd;
		struct icc_err e2;
		if (icc_container_snapdir_open(st, l.ids[i], &sd, &e2) < 0)
			continue;
		struct icc_snap_info *all;
		size_t count;
		if (icc_snapdir_list(&sd, &all, &count, &e2) == 0) {
			for (size_t k = 0; k < count; k++) {
				if (hex && !strncmp(all[k].id, ref, n)) {
					by_id++;
					id_info = all[k];
					memcpy(id_cid, l.ids[i], sizeof(id_cid));
				}
				if (!strcmp(all[k].name, ref)) {
					by_name++;
					name_info = all[k];
					memcpy(name_cid, l.ids[i], sizeof(name_cid));
				}
			}
			free(all);
		}
		icc_snapdir_close(&sd);
	}
	icc_idlist_free(&l);
	if (by_id == 1) {
		*info = id_info;
		memcpy(container_id, id_cid, ICC_ID_LEN + 1);
		return 0;
	}
	if (by_id > 1)
		return icc_err_set(err, EINVAL, "ambiguous snapshot id prefix '%s': %d snapshots match", ref, by_id);
	if (by_name == 1) {
		*info = name_info;
		memcpy(container_id, name_cid, ICC_ID_LEN + 1);
		return 0;
	}
	if (by_name > 1)
		return icc_err_set(err, EINVAL, "snapshot name '%s' exists in %d containers: say CONTAINER/%s", ref, by_name, ref);
	return icc_err_set(err, ENOENT, "no such snapshot '%s'", ref);
}
