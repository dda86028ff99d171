/* sendrecv.c - images and snapshots between stores: icc header + btrfs send stream */
#include <btrfsutil.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/base/cleanup.h"
#include "icc/container/container.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/oci/oci.h"
#include "icc/base/proc.h"
#include "icc/oci/recvcheck.h"
#include "icc/store/ref.h"
#include "icc/snap/snapref.h"
#include "icc/store/subvol.h"

/*
 * Stream: "ICC-SEND 1\n", the header length as 10 decimal digits and "\n",
 * the header (JSON), then `btrfs send` output up to the end.
 */
#define MAGIC "ICC-SEND 1\n"

/* "" for the all-zero UUID (none) */
static void uuid_text(const uint8_t u[16], char out[37])
{
	static const uint8_t none[16];
	if (memcmp(u, none, sizeof(none)))
		icc_uuid_format(u, out);
	else
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
		/* the image part of the container's config: its mounts and network stay here */
		cJSON_AddItemToObject(meta, "config",
				      icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(cmeta, "config")));
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

static int write_stream(int fd, const void *buf, size_t len, struct icc_err *err)
{
	int r = icc_write_all(fd, buf, len);
	return r < 0 ? icc_err_sys(err, -r, "cannot write the stream") : 0;
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
		r = write_stream(out_fd, MAGIC, strlen(MAGIC), err);
		if (r == 0)
			r = write_stream(out_fd, len, strlen(len), err);
		if (r == 0)
			r = write_stream(out_fd, txt, strlen(txt), err);
		free(txt);
	}
	if (r == 0) {
		const char *argv[8];
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
		r = icc_proc_check(argv, &(struct icc_proc_opts){.in = ICC_PROC_NULL, .out = out_fd}, err);
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
static bool uuid_matches(struct icc_store *st, const char *id, void *ctx)
{
	const char *const *cand = ctx;
	char path[4400], uu[37], rr[37];
	struct icc_err e;
	icc_object_path(st, ICC_IMAGE, id, "rootfs", path, sizeof(path));
	if (subvol_uuids(path, uu, rr, &e) < 0)
		return false;
	for (int k = 0; k < 2; k++)
		if (cand[k] && *cand[k] && (!strcmp(uu, cand[k]) || (*rr && !strcmp(rr, cand[k]))))
			return true;
	return false;
}

static bool find_by_uuid(struct icc_store *st, const char *u1, const char *u2, char id[ICC_ID_LEN + 1])
{
	const char *cand[2] = {u1, u2};
	return icc_object_find(st, ICC_IMAGE, uuid_matches, cand, id);
}

/*
 * The received image's meta.json, from the sender's description: its texts,
 * size, changes and source; its config through the image whitelist (a stream
 * cannot bring mounts or a network).  Digests the sender claims
 * (layer_chain_id, config_digest, layer_diff_id) are not kept: icc did not
 * compute them over this tree, and `icc load` reuses layers by them.
 */
static cJSON *received_meta(const cJSON *hdr, const cJSON *meta, const char *parent)
{
	static const char *const texts[] = {"created", "comment", "author", "created_by"};
	cJSON *m = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *v = icc_json_str(meta, texts[i]);
		cJSON_AddStringToObject(m, texts[i], v ? v : "");
	}
	cJSON_AddStringToObject(m, "parent", parent);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, "size");
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(m, "size", v->valuedouble);
	cJSON_AddItemToObject(m, "config", icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(meta, "config")));
	if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(meta, "changes")))
		cJSON_AddItemToObject(m, "changes", cJSON_Duplicate(v, true));
	if (cJSON_IsObject(v = cJSON_GetObjectItemCaseSensitive(meta, "source")))
		cJSON_AddItemToObject(m, "source", cJSON_Duplicate(v, true));
	cJSON *rc = cJSON_AddObjectToObject(m, "received");
	const char *kind = icc_json_str(hdr, "kind"), *uuid = icc_json_str(hdr, "uuid");
	cJSON_AddStringToObject(rc, "kind", kind ? kind : "");
	cJSON_AddStringToObject(rc, "uuid", uuid ? uuid : "");
	char now[64];
	icc_time_format(icc_now_ns(), now, sizeof(now));
	cJSON_AddStringToObject(rc, "at", now);
	return m;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into 16 bytes; false when malformed. */
static bool uuid_bytes(const char *t, uint8_t out[16])
{
	if (!t || strlen(t) != 36)
		return false;
	for (int i = 0, o = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (t[i++] != '-')
				return false;
			continue;
		}
		int hi = hexval(t[i]), lo = hexval(t[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[o++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return true;
}

/* The check reads the stream through this: what it reads is also written to the spool. */
struct spool {
	int in, out;
	int werr; /* errno of a failed write to the spool */
};

static ssize_t spool_read(void *ctx, void *buf, size_t len)
{
	struct spool *sp = ctx;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(sp->in, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	int w = icc_write_all(sp->out, buf, got);
	if (w < 0) {
		sp->werr = -w;
		return w;
	}
	return (ssize_t)got;
}

/*
 * Spool the btrfs part of the stream (the rest of in_fd) into an unnamed file
 * in the store's tmp/ while checking all of it against what the header and
 * the local parent say; *spool_fd is then the checked copy, at its start.
 * Nothing of the stream reaches btrfs receive before it passed in full, and
 * the copy cannot change after the check.
 */
static int check_stream(struct icc_store *st, int in_fd, const char *name, const cJSON *hdr,
			const char *parent, int *spool_fd, struct icc_err *err)
{
	struct icc_recv_expect ex = {.subvol = "rootfs", .check_uuid = true, .parent_fd = -1};
	/* btrfs send names the subvolume by the uuid it was received as, if any */
	const char *ru = icc_json_str(hdr, "received_uuid");
	const char *u = ru && *ru ? ru : icc_json_str(hdr, "uuid");
	if (!uuid_bytes(u, ex.uuid))
		return icc_err_set(err, EINVAL, "not an icc send stream (bad uuid in the header)");
	/* a second image under one uuid would let a later stream pick the wrong parent */
	char other[ICC_ID_LEN + 1];
	if (find_by_uuid(st, u, NULL, other))
		return icc_err_set(err, EEXIST, "cannot receive %s: its subvolume (uuid %s) is already image %.12s in this store",
				   name, u, other);
	int r = 0;
	if (parent[0]) {
		char path[4400];
		icc_object_path(st, ICC_IMAGE, parent, "rootfs", path, sizeof(path));
		struct btrfs_util_subvolume_info info;
		ex.parent = true;
		ex.parent_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ex.parent_fd < 0)
			return icc_err_sys(err, errno, "cannot open '%s'", path);
		enum btrfs_util_error e = btrfs_util_subvolume_info_fd(ex.parent_fd, 0, &info);
		if (e) {
			close(ex.parent_fd);
			return icc_err_set(err, EIO, "cannot read subvolume info of '%s': %s", path,
					   btrfs_util_strerror(e));
		}
		memcpy(ex.parent_uuid, info.uuid, 16);
		memcpy(ex.parent_ruuid, info.received_uuid, 16);
		ex.parent_stransid = info.stransid;
	}
	struct spool sp = {.in = in_fd, .out = openat(st->root_fd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)};
	if (sp.out < 0)
		r = icc_err_sys(err, errno, "cannot create a spool file in '%s/tmp'", st->root);
	if (r == 0)
		r = icc_recv_check(spool_read, &sp, name, &ex, err);
	if (sp.werr)
		r = icc_err_sys(err, sp.werr, "cannot receive %s: cannot spool it into '%s/tmp'", name, st->root);
	if (r == 0 && lseek(sp.out, 0, SEEK_SET) < 0)
		r = icc_err_sys(err, errno, "cannot rewind the spooled stream");
	if (ex.parent_fd >= 0)
		close(ex.parent_fd);
	if (r < 0 && sp.out >= 0)
		close(sp.out);
	if (r == 0)
		*spool_fd = sp.out;
	return r;
}

int icc_receive(struct icc_store *st, int in_fd, const char *name, const char *tag,
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
	cleanup_free char *txt = malloc(n + 1);
	if (!txt)
		return icc_err_set(err, ENOMEM, "out of memory");
	if ((r = read_exact(in_fd, txt, n, err)) < 0)
		return r;
	txt[n] = '\0';
	cleanup_json cJSON *hdr = cJSON_Parse(txt);
	const char *id = icc_json_str(hdr, "id");
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(hdr, "meta");
	if (!hdr || !id || strlen(id) != ICC_ID_LEN || !icc_is_hex(id, ICC_ID_LEN) || !cJSON_IsObject(meta))
		return icc_err_set(err, EINVAL, "not an icc send stream (bad header)");
	if (icc_object_exists(st, ICC_IMAGE, id))
		return icc_err_set(err, EEXIST, "image %.12s is already in this store", id);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(hdr, "parent");
	char parent[ICC_ID_LEN + 1] = "";
	if (p && !find_by_uuid(st, icc_json_str(p, "uuid"), icc_json_str(p, "received_uuid"), parent))
		return icc_err_set(err, ENOENT, "cannot receive: the parent %s %.12s is not in this store (send it first, without -p)",
				   icc_json_str(p, "kind") ? icc_json_str(p, "kind") : "image",
				   icc_json_str(p, "id") ? icc_json_str(p, "id") : "?");
	cleanup_close int spool = -1;
	if ((r = check_stream(st, in_fd, name, hdr, parent, &spool, err)) < 0)
		return r;
	/* stage under the sender's id, so lineage and later sends line up */
	struct icc_stage sg;
	memcpy(sg.id, id, ICC_ID_LEN + 1);
	sg.dirfd = -1;
	char rel[128], dir[4300];
	snprintf(rel, sizeof(rel), "tmp/%s", id);
	if (mkdirat(st->root_fd, rel, 0700) < 0)
		return icc_err_sys(err, errno, "cannot create '%s/%s'", st->root, rel);
	sg.dirfd = openat(st->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(dir, sizeof(dir), "%s/%s", st->root, rel);
	/*
	 * Checked, and still confined: chrooted into the staging directory, in
	 * a mount namespace of its own, so a path the check let through cannot
	 * reach the host or the rest of the store.
	 */
	const char *argv[] = {"btrfs", "receive", "-q", "--chroot", "-e", dir, NULL};
	struct icc_proc_opts po = {.in = spool, .out = ICC_PROC_NULL, .private_mounts = true};
	r = sg.dirfd < 0 ? icc_err_sys(err, errno, "cannot open '%s'", dir) : icc_proc_check(argv, &po, err);
	struct stat sb;
	if (r == 0 && fstatat(sg.dirfd, "rootfs", &sb, 0) < 0)
		r = icc_err_set(err, EINVAL, "the stream did not hold an icc rootfs");
	if (r == 0) {
		cJSON *m = received_meta(hdr, meta, parent);
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
	return r;
}
