/* sendrecv.c - images and snapshots between stores: icc header + btrfs send stream */
#include <btrfsutil.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icc/container.h"
#include "icc/object.h"
#include "icc/oci.h"
#include "icc/ref.h"
#include "icc/snapref.h"
#include "icc/subvol.h"

/*
 * Stream: "ICC-SEND 1\n", the header length as 10 decimal digits and "\n",
 * the header (JSON), then `btrfs send` output up to the end.
 */
#define MAGIC "ICC-SEND 1\n"

int icc_run(char *const argv[], int in_fd, int out_fd, struct icc_err *err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return icc_err_sys(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return icc_err_sys(err, errno, "fork");
	}
	if (pid == 0) {
		if (in_fd >= 0 && in_fd != 0)
			dup2(in_fd, 0);
		if (out_fd >= 0 && out_fd != 1)
			dup2(out_fd, 1);
		if (in_fd == 0)
			fcntl(0, F_SETFD, 0);
		if (out_fd == 1)
			fcntl(1, F_SETFD, 0);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	char buf[4096], last[1024] = "";
	size_t n = 0;
	ssize_t k;
	while ((k = read(pfd[0], buf + n, sizeof(buf) - 1 - n)) > 0) {
		n += (size_t)k;
		buf[n] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (*buf)
				snprintf(last, sizeof(last), "%s", buf);
			memmove(buf, nl + 1, n - (size_t)(nl + 1 - buf) + 1);
			n -= (size_t)(nl + 1 - buf);
		}
		if (n >= sizeof(buf) - 1)
			n = 0;
	}
	if (n && *buf)
		snprintf(last, sizeof(last), "%s", buf);
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return icc_err_set(err, EIO, "%s failed: %s", argv[0], *last ? last : "no message");
	return 0;
}

static void uuid_text(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int o = 0;
	bool zero = true;
	for (int i = 0; i < 16; i++) {
		if (u[i])
			zero = false;
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
	if (zero)
		out[0] = '\0';
}

/* A subvolume's uuid and received_uuid ("" when none). */
static int subvol_uuids(const char *path, char uuid[37], char recv[37], struct icc_err *err)
{
	struct btrfs_util_subvolume_info info;
	enum btrfs_util_error e = btrfs_util_subvolume_info(path, 0, &info);
	if (e)
		return icc_err_set(err, EIO, "cannot read subvolume info of '%s': %s", path,
				   btrfs_util_strerror(e));
	uuid_text(info.uuid, uuid);
	uuid_text(info.received_uuid, recv);
	return 0;
}

/* What SEND names: an image or a snapshot; its rootfs path, its meta for the header. */
static int locate(struct icc_store *st, const char *ref, char *path, size_t psize, cJSON *hdr,
		  struct icc_err *err)
{
	char id[ICC_ID_LEN + 1];
	struct icc_err e2;
	if (icc_image_resolve(st, ref, id, &e2) == 0) {
		cJSON *meta;
		int r = icc_object_meta(st, ICC_IMAGE, id, &meta, err);
		if (r < 0)
			return r;
		icc_object_path(st, ICC_IMAGE, id, "rootfs", path, psize);
		cJSON_AddStringToObject(hdr, "kind", "image");
		cJSON_AddStringToObject(hdr, "id", id);
		cJSON_AddItemToObject(hdr, "meta", meta);
		return 0;
	}
	struct icc_snap_info info;
	if (icc_snapshot_resolve(st, ref, id, &info, &e2) == 0) {
		char dir[4300];
		if (icc_object_exists(st, ICC_CONTAINER, id))
			icc_container_snapdir(st, id, dir, sizeof(dir));
		else /* kept after its container was removed */
			snprintf(dir, sizeof(dir), "%s/snapshots/%s", st->root, id);
		snprintf(path, psize, "%s/%s/rootfs", dir, info.name);
		cJSON *cmeta = NULL;
		bool removed;
		icc_snap_owner_meta(st, id, &cmeta, &removed, &e2);
		cJSON_AddStringToObject(hdr, "kind", "snapshot");
		cJSON_AddStringToObject(hdr, "id", info.id);
		cJSON *meta = cJSON_CreateObject();
		char created[64];
		icc_time_format(info.created_ns, created, sizeof(created));
		cJSON_AddStringToObject(meta, "created", created);
		cJSON_AddStringToObject(meta, "comment", info.message);
		char by[512];
		snprintf(by, sizeof(by), "icc snapshot %s/%s", cmeta && icc_json_str(cmeta, "name") ?
			 icc_json_str(cmeta, "name") : id, info.name);
		cJSON_AddStringToObject(meta, "created_by", by);
		cJSON_AddStringToObject(meta, "author", "");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(cmeta, "config");
		cJSON_AddItemToObject(meta, "config", c ? cJSON_Duplicate(c, true) : cJSON_CreateObject());
		cJSON *src = cJSON_AddObjectToObject(meta, "source");
		cJSON_AddStringToObject(src, "type", "snapshot");
		cJSON_AddStringToObject(src, "container", id);
		cJSON_AddStringToObject(src, "snapshot", info.id);
		cJSON_AddStringToObject(src, "snapshot_name", info.name);
		cJSON_AddItemToObject(hdr, "meta", meta);
		cJSON_Delete(cmeta);
		return 0;
	}
	return icc_err_set(err, ENOENT, "no such image or snapshot '%s'", ref);
}

static int write_all(int fd, const void *buf, size_t len, struct icc_err *err)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return icc_err_sys(err, n < 0 ? errno : EIO, "cannot write the stream");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int icc_send(struct icc_store *st, const char *what, const char *parent, int out_fd,
	     struct icc_err *err)
{
	cJSON *hdr = cJSON_CreateObject(), *phdr = cJSON_CreateObject();
	char path[4400], ppath[4400], uuid[37], recv[37];
	int r = locate(st, what, path, sizeof(path), hdr, err);
	if (r == 0)
		r = subvol_uuids(path, uuid, recv, err);
	if (r == 0) {
		cJSON_AddStringToObject(hdr, "uuid", uuid);
		cJSON_AddStringToObject(hdr, "received_uuid", recv);
	}
	if (r == 0 && parent) {
		r = locate(st, parent, ppath, sizeof(ppath), phdr, err);
		char pu[37], pr[37];
		if (r == 0 && (r = subvol_uuids(ppath, pu, pr, err)) == 0) {
			cJSON *p = cJSON_AddObjectToObject(hdr, "parent");
			cJSON_AddStringToObject(p, "kind", icc_json_str(phdr, "kind"));
			cJSON_AddStringToObject(p, "id", icc_json_str(phdr, "id"));
			cJSON_AddStringToObject(p, "uuid", pu);
			cJSON_AddStringToObject(p, "received_uuid", pr);
		}
	}
	if (r == 0) {
		char *txt = cJSON_PrintUnformatted(hdr);
		char len[16];
		snprintf(len, sizeof(len), "%010zu\n", strlen(txt));
		r = write_all(out_fd, MAGIC, strlen(MAGIC), err);
		if (r == 0)
			r = write_all(out_fd, len, strlen(len), err);
		if (r == 0)
			r = write_all(out_fd, txt, strlen(txt), err);
		free(txt);
	}
	if (r == 0) {
		char *argv[8];
		int k = 0;
		argv[k++] = "btrfs";
		argv[k++] = "send";
		argv[k++] = "-q";
		if (parent) {
			argv[k++] = "-p";
			argv[k++] = ppath;
		}
		argv[k++] = path;
		argv[k] = NULL;
		r = icc_run(argv, -1, out_fd, err);
	}
	cJSON_Delete(hdr);
	cJSON_Delete(phdr);
	return r;
}

static int read_exact(int fd, void *buf, size_t len, struct icc_err *err)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return icc_err_sys(err, errno, "cannot read the stream");
		if (n == 0)
			return icc_err_set(err, EINVAL, "not an icc send stream (truncated header)");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The local image whose rootfs has uuid or received_uuid equal to one of u1/u2. */
static bool find_by_uuid(struct icc_store *st, const char *u1, const char *u2, char id[ICC_ID_LEN + 1])
{
	struct icc_idlist list;
	struct icc_err e;
	bool found = false;
	if (icc_object_list(st, ICC_IMAGE, &list, &e) < 0)
		return false;
	for (size_t i = 0; i < list.count && !found; i++) {
		char path[4400], uu[37], rr[37];
		icc_object_path(st, ICC_IMAGE, list.ids[i], "rootfs", path, sizeof(path));
		if (subvol_uuids(path, uu, rr, &e) < 0)
			continue;
		const char *cand[2] = {u1, u2};
		for (int k = 0; k < 2 && !found; k++)
			if (cand[k] && *cand[k] && (!strcmp(uu, cand[k]) || (*rr && !strcmp(rr, cand[k])))) {
				memcpy(id, list.ids[i], ICC_ID_LEN + 1);
				found = true;
			}
	}
	icc_idlist_free(&list);
	return found;
}

int icc_receive(struct icc_store *st, int in_fd, const char *tag,
		char out_id[ICC_ID_LEN + 1], struct icc_err *err)
{
	char norm[ICC_REF_MAX];
	if (tag && icc_ref_normalize(tag, norm, sizeof(norm), err) < 0)
		return -EINVAL;
	char magic[sizeof(MAGIC) - 1], len[11];
	int r = read_exact(in_fd, magic, sizeof(magic), err);
	if (r < 0)
		return r;
	if (memcmp(magic, MAGIC, sizeof(magic)))
		return icc_err_set(err, EINVAL, "not an icc send stream (bad magic)");
	if ((r = read_exact(in_fd, len, sizeof(len), err)) < 0)
		return r;
	if (len[10] != '\n' || !strtoul(len, NULL, 10) || strtoul(len, NULL, 10) > (1 << 24))
		return icc_err_set(err, EINVAL, "not an icc send stream (bad header length)");
	size_t n = strtoul(len, NULL, 10);
	char *txt = malloc(n + 1);
	if (!txt)
		return icc_err_set(err, ENOMEM, "out of memory");
	if ((r = read_exact(in_fd, txt, n, err)) < 0) {
		free(txt);
		return r;
	}
	txt[n] = '\0';
	cJSON *hdr = cJSON_Parse(txt);
	free(txt);
	const char *id = icc_json_str(hdr, "id");
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(hdr, "meta");
	if (!hdr || !id || strlen(id) != ICC_ID_LEN || !icc_is_hex(id, ICC_ID_LEN) || !cJSON_IsObject(meta)) {
		cJSON_Delete(hdr);
		return icc_err_set(err, EINVAL, "not an icc send stream (bad header)");
	}
	if (icc_object_exists(st, ICC_IMAGE, id)) {
		r = icc_err_set(err, EEXIST, "image %.12s is already in this store", id);
		cJSON_Delete(hdr); /* after the message: `id` points into it */
		return r;
	}
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(hdr, "parent");
	char parent[ICC_ID_LEN + 1] = "";
	if (p && !find_by_uuid(st, icc_json_str(p, "uuid"), icc_json_str(p, "received_uuid"), parent)) {
		r = icc_err_set(err, ENOENT, "cannot receive: the parent %s %.12s is not in this store (send it first, without -p)",
				icc_json_str(p, "kind") ? icc_json_str(p, "kind") : "image",
				icc_json_str(p, "id") ? icc_json_str(p, "id") : "?");
		cJSON_Delete(hdr);
		return r;
	}
	/* stage under the sender's id, so lineage and later sends line up */
	struct icc_stage sg;
	memcpy(sg.id, id, ICC_ID_LEN + 1);
	sg.dirfd = -1;
	char rel[128], dir[4300];
	snprintf(rel, sizeof(rel), "tmp/%s", id);
	if (mkdirat(st->root_fd, rel, 0700) < 0) {
		cJSON_Delete(hdr);
		return icc_err_sys(err, errno, "cannot create '%s/%s'", st->root, rel);
	}
	sg.dirfd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(dir, sizeof(dir), "%s/%s", st->root, rel);
	char *argv[] = {"btrfs", "receive", "-e", dir, NULL};
	r = sg.dirfd < 0 ? icc_err_sys(err, errno, "cannot open '%s'", dir) : icc_run(argv, in_fd, -1, err);
	struct stat sb;
	if (r == 0 && fstatat(sg.dirfd, "rootfs", &sb, 0) < 0)
		r = icc_err_set(err, EINVAL, "the stream did not hold an icc rootfs");
	if (r == 0) {
		cJSON *m = cJSON_Duplicate(meta, true);
		cJSON_DeleteItemFromObjectCaseSensitive(m, "parent");
		cJSON_AddStringToObject(m, "parent", parent);
		cJSON *rc = cJSON_AddObjectToObject(m, "received");
		cJSON_AddStringToObject(rc, "kind", icc_json_str(hdr, "kind"));
		cJSON_AddStringToObject(rc, "uuid", icc_json_str(hdr, "uuid") ? icc_json_str(hdr, "uuid") : "");
		char now[64];
		icc_time_format(icc_now_ns(), now, sizeof(now));
		cJSON_AddStringToObject(rc, "at", now);
		r = icc_store_lock(st, err);
		if (r == 0) {
			if (parent[0] && !icc_object_exists(st, ICC_IMAGE, parent))
				r = icc_err_set(err, ENOENT, "parent image %.12s was removed meanwhile", parent);
			if (r == 0)
				r = icc_stage_publish(st, &sg, ICC_IMAGE, m, err);
			if (r == 0 && tag)
				r = icc_refs_set(st, norm, id, err);
			icc_store_unlock(st);
		}
		cJSON_Delete(m);
	}
	if (r < 0 && icc_object_exists(st, ICC_IMAGE, id) == false)
		icc_stage_abort(st, &sg);
	if (r == 0)
		memcpy(out_id, id, ICC_ID_LEN + 1);
	cJSON_Delete(hdr);
	return r;
}
