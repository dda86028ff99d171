/* oci_save.c - images as OCI layouts / archives and docker-archives: one layer per lineage step */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/oci/oci.h"
#include "icc/store/ref.h"
#include "icc/store/subvol.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar"

/* A layer already written in this save (images sharing a base share it). */
struct layer_memo {
	char image[ICC_ID_LEN + 1];
	char diff_id[ICC_DIGEST_LEN + 1];
	char digest[ICC_DIGEST_LEN + 1];
	uint64_t size;
};

struct saver {
	struct icc_store *st;
	const struct icc_save_opts *o;
	const char *compress;
	int dfd;        /* the layout directory */
	int blobs;      /* its blobs/sha256 */
	struct layer_memo *memo;
	size_t nmemo;
	struct icc_err *err;
};

/* Move blobs/sha256/<tmp> to blobs/sha256/<hex of digest>. */
static int blob_publish(struct saver *s, const char *tmp, const char *digest)
{
	if (renameat(s->blobs, tmp, s->blobs, digest + 7) < 0)
		return icc_err_sys(s->err, errno, "cannot store blob %s", digest);
	return 0;
}

static int blob_write(struct saver *s, const char *data, size_t len, char digest[ICC_DIGEST_LEN + 1])
{
	icc_sha256_buf(data, len, digest);
	int fd = openat(s->blobs, digest + 7, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return icc_err_sys(s->err, errno, "cannot write blob %s", digest);
	int w = icc_write_all(fd, data, len);
	close(fd);
	if (w < 0)
		return icc_err_sys(s->err, -w, "cannot write blob %s", digest);
	return 0;
}

static int json_blob(struct saver *s, const cJSON *doc, char digest[ICC_DIGEST_LEN + 1], uint64_t *size)
{
	char *txt = cJSON_PrintUnformatted(doc);
	if (!txt)
		return icc_err_set(s->err, ENOMEM, "out of memory");
	*size = strlen(txt);
	int r = blob_write(s, txt, *size, digest);
	free(txt);
	return r;
}

/* Compress blobs/src into blobs/dst with a libarchive filter (raw format). */
static int compress_file(struct saver *s, const char *src, const char *dst)
{
	int in = openat(s->blobs, src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return icc_err_sys(s->err, errno, "cannot open a layer");
	int out = openat(s->blobs, dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return icc_err_sys(s->err, errno, "cannot create a layer");
	}
	struct stat sb;
	fstat(in, &sb);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r = 0;
	if (!strcmp(s->compress, "gzip")) {
		archive_write_add_filter_gzip(a);
		archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	} else {
		archive_write_add_filter_zstd(a);
	}
	archive_write_set_format_raw(a);
	archive_write_set_bytes_per_block(a, 0);
	archive_entry_set_pathname(e, "layer.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, sb.st_size);
	if (archive_write_open_fd(a, out) != ARCHIVE_OK || archive_write_header(a, e) != ARCHIVE_OK) {
		r = icc_err_set(s->err, EIO, "cannot compress a layer: %s", archive_error_string(a));
	} else {
		static __thread char buf[1 << 17];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (archive_write_data(a, buf, (size_t)n) != n) {
				r = icc_err_set(s->err, EIO, "cannot compress a layer: %s", archive_error_string(a));
				break;
			}
		if (n < 0 && r == 0)
			r = icc_err_sys(s->err, errno, "cannot read a layer");
		if (archive_write_close(a) != ARCHIVE_OK && r == 0)
			r = icc_err_set(s->err, EIO, "cannot compress a layer: %s", archive_error_string(a));
	}
	archive_entry_free(e);
	archive_write_free(a);
	close(in);
	if (fsync(out) < 0 && r == 0)
		r = icc_err_sys(s->err, errno, "cannot write a layer");
	close(out);
	return r;
}

/* The layer of image `id` over `parent` (NULL: full). */
static int make_layer(struct saver *s, const char *id, const char *parent, struct layer_memo *m)
{
	for (size_t i = 0; i < s->nmemo; i++)
		if (!strcmp(s->memo[i].image, id)) {
			*m = s->memo[i];
			return 0;
		}
	memset(m, 0, sizeof(*m));
	memcpy(m->image, id, ICC_ID_LEN + 1);
	int up = icc_object_rootfs_fd(s->st, ICC_IMAGE, id, s->err);
	if (up < 0)
		return up;
	int low = -1, r = 0;
	if (parent && (low = icc_object_rootfs_fd(s->st, ICC_IMAGE, parent, s->err)) < 0) {
		close(up);
		return low;
	}
	char tmp[64], ctmp[64];
	snprintf(tmp, sizeof(tmp), ".tmp-%.12s.tar", id);
	snprintf(ctmp, sizeof(ctmp), ".tmp-%.12s.tar.z", id);
	int fd = openat(s->blobs, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = icc_err_sys(s->err, errno, "cannot create a layer file");
		goto out;
	}
	struct icc_tarw *w;
	if ((r = icc_tarw_open(&w, fd, "none", s->err)) == 0) {
		struct icc_layer_stats stats;
		r = icc_layer_diff(w, low, up, &stats, s->err);
		if (r == 0)
			r = icc_tarw_close(w, s->err);
		else
			icc_tarw_free(w);
	}
	if (r == 0 && fsync(fd) < 0)
		r = icc_err_sys(s->err, errno, "cannot write a layer file");
	close(fd);
	if (r == 0)
		r = icc_sha256_file(s->blobs, tmp, false, m->diff_id, &m->size, s->err);
	if (r == 0 && strcmp(s->compress, "none")) {
		r = compress_file(s, tmp, ctmp);
		if (r == 0)
			r = icc_sha256_file(s->blobs, ctmp, false, m->digest, &m->size, s->err);
		if (r == 0)
			r = blob_publish(s, ctmp, m->digest);
		unlinkat(s->blobs, tmp, 0);
	} else if (r == 0) {
		strcpy(m->digest, m->diff_id);
		r = blob_publish(s, tmp, m->digest);
	}
	if (r < 0) {
		unlinkat(s->blobs, tmp, 0);
		unlinkat(s->blobs, ctmp, 0);
	}
	if (r == 0) {
		void *nm = realloc(s->memo, (s->nmemo + 1) * sizeof(*s->memo));
		if (nm) {
			s->memo = nm;
			s->memo[s->nmemo++] = *m;
		}
	}
out:
	close(up);
	if (low >= 0)
		close(low);
	return r;
}

/* The image config's "config": the whitelisted run settings, non-empty ones only. */
static cJSON *oci_run_config(const cJSON *c)
{
	cJSON *out = icc_config_sanitize(c);
	cJSON *v = out ? out->child : NULL;
	while (v) {
		cJSON *next = v->next;
		if ((cJSON_IsString(v) && !*v->valuestring) || ((cJSON_IsArray(v) || cJSON_IsObject(v)) && !v->child))
			cJSON_Delete(cJSON_DetachItemViaPointer(out, v));
		v = next;
	}
	return out;
}

static cJSON *descriptor(const char *mt, const char *digest, uint64_t size)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "mediaType", mt);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

/* Tags to record for `ref` resolved to `id`: the one typed, or all naming id. */
static cJSON *tags_for(struct icc_store *st, const char *ref, const char *id)
{
	cJSON *tags = cJSON_CreateArray();
	cJSON *refs = NULL;
	struct icc_err e;
	if (icc_refs_load(st, &refs, &e) < 0)
		return tags;
	char norm[ICC_REF_MAX];
	if (icc_ref_normalize(ref, norm, sizeof(norm), &e) == 0) {
		const char *v = icc_json_str(refs, norm);
		if (v && !strcmp(v, id)) {
			cJSON_AddItemToArray(tags, cJSON_CreateString(norm));
			cJSON_Delete(refs);
			return tags;
		}
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, refs)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, id))
			cJSON_AddItemToArray(tags, cJSON_CreateString(it->string));
	cJSON_Delete(refs);
	return tags;
}

/* Image `id` and its parents, base first: ids in *chain, metadata in *metas (n of each). */
static int lineage(struct saver *s, const char *id, char (**chainp)[ICC_ID_LEN + 1], cJSON ***metasp,
		   size_t *np)
{
	char (*chain)[ICC_ID_LEN + 1] = NULL;
	cJSON **metas = NULL;
	size_t n = 0;
	int r = 0;
	char cur[ICC_ID_LEN + 1];
	memcpy(cur, id, sizeof(cur));
	for (;;) {
		cJSON *meta;
		if ((r = icc_object_meta(s->st, ICC_IMAGE, cur, &meta, s->err)) < 0)
			break;
		void *nc = realloc(chain, (n + 1) * sizeof(*chain));
		void *nm = realloc(metas, (n + 1) * sizeof(*metas));
		if (nc)
			chain = nc;
		if (nm)
			metas = nm;
		if (!nc || !nm) {
			cJSON_Delete(meta);
			r = icc_err_set(s->err, ENOMEM, "out of memory");
			break;
		}
		memcpy(chain[n], cur, sizeof(cur));
		metas[n++] = meta;
		const char *p = icc_json_str(meta, "parent");
		if (!p || strlen(p) != ICC_ID_LEN || !icc_object_exists(s->st, ICC_IMAGE, p) || n > 4096)
			break;
		memcpy(cur, p, sizeof(cur));
	}
	/* reverse: base first */
	for (size_t i = 0; i < n / 2; i++) {
		char t[ICC_ID_LEN + 1];
		memcpy(t, chain[i], sizeof(t));
		memcpy(chain[i], chain[n - 1 - i], sizeof(t));
		memcpy(chain[n - 1 - i], t, sizeof(t));
		cJSON *m = metas[i];
		metas[i] = metas[n - 1 - i];
		metas[n - 1 - i] = m;
	}
	*chainp = chain;
	*metasp = metas;
	*np = n;
	return r;
}

/* The config's history entry of one image: what made it, when, by whom. */
static cJSON *history_entry(const cJSON *meta)
{
	cJSON *h = cJSON_CreateObject();
	static const char *const keys[] = {"created", "created_by", "author", "comment"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *v = icc_json_str(meta, keys[k]);
		if (v && *v)
			cJSON_AddStringToObject(h, keys[k], v);
	}
	return h;
}

/* Save one image: its layers, config and manifest; adds to index and docker manifest. */
static int save_image(struct saver *s, const char *ref, cJSON *index_manifests,
		      cJSON *docker_manifest, struct icc_save_result *res)
{
	char id[ICC_ID_LEN + 1];
	int r = icc_image_resolve(s->st, ref, id, s->err);
	if (r < 0)
		return r;
	/* the lineage, base first */
	char (*chain)[ICC_ID_LEN + 1] = NULL;
	cJSON **metas = NULL;
	size_t n = 0;
	if ((r = lineage(s, id, &chain, &metas, &n)) < 0)
		goto out;
	const cJSON *top = metas[n - 1];
	cJSON *config = cJSON_CreateObject();
	const char *created = icc_json_str(top, "created");
	if (created)
		cJSON_AddStringToObject(config, "created", created);
	const char *author = icc_json_str(top, "author");
	if (author && *author)
		cJSON_AddStringToObject(config, "author", author);
	cJSON_AddStringToObject(config, "architecture", "amd64");
	cJSON_AddStringToObject(config, "os", "linux");
	cJSON_AddItemToObject(config, "config",
			      oci_run_config(cJSON_GetObjectItemCaseSensitive(top, "config")));
	cJSON *rootfs = cJSON_AddObjectToObject(config, "rootfs");
	cJSON_AddStringToObject(rootfs, "type", "layers");
	cJSON *diff_ids = cJSON_AddArrayToObject(rootfs, "diff_ids");
	cJSON *history = cJSON_AddArrayToObject(config, "history");

	cJSON *manifest = cJSON_CreateObject();
	cJSON_AddNumberToObject(manifest, "schemaVersion", 2);
	cJSON_AddStringToObject(manifest, "mediaType", MT_MANIFEST);
	cJSON *layers = cJSON_CreateArray();
	cJSON *dlayers = cJSON_CreateArray();
	char lmt[128];
	snprintf(lmt, sizeof(lmt), "%s%s%s", MT_LAYER, strcmp(s->compress, "none") ? "+" : "",
		 strcmp(s->compress, "none") ? s->compress : "");
	for (size_t i = 0; i < n && r == 0; i++) {
		struct layer_memo m;
		r = make_layer(s, chain[i], i ? chain[i - 1] : NULL, &m);
		if (r < 0)
			break;
		cJSON_AddItemToArray(diff_ids, cJSON_CreateString(m.diff_id));
		cJSON_AddItemToArray(layers, descriptor(lmt, m.digest, m.size));
		char lp[128];
		snprintf(lp, sizeof(lp), "blobs/sha256/%s", m.digest + 7);
		cJSON_AddItemToArray(dlayers, cJSON_CreateString(lp));
		cJSON_AddItemToArray(history, history_entry(metas[i]));
		res->layers++;
	}
	char cdigest[ICC_DIGEST_LEN + 1], mdigest[ICC_DIGEST_LEN + 1];
	uint64_t csize = 0, msize = 0;
	if (r == 0)
		r = json_blob(s, config, cdigest, &csize);
	if (r == 0) {
		cJSON_AddItemToObject(manifest, "config", descriptor(MT_CONFIG, cdigest, csize));
		cJSON_AddItemToObject(manifest, "layers", layers);
		layers = NULL;
		r = json_blob(s, manifest, mdigest, &msize);
	}
	if (r == 0) {
		cJSON *tags = tags_for(s->st, ref, id);
		cJSON *d = descriptor(MT_MANIFEST, mdigest, msize);
		if (cJSON_GetArraySize(tags) > 0) {
			const char *t0 = cJSON_GetArrayItem(tags, 0)->valuestring;
			char name[ICC_REF_MAX], tag[ICC_REF_MAX];
			icc_ref_split(t0, name, sizeof(name), tag, sizeof(tag));
			cJSON *ann = cJSON_AddObjectToObject(d, "annotations");
			cJSON_AddStringToObject(ann, "io.containerd.image.name", t0);
			cJSON_AddStringToObject(ann, "org.opencontainers.image.ref.name", tag);
		}
		cJSON_AddItemToArray(index_manifests, d);
		cJSON *dm = cJSON_CreateObject();
		char cp[128];
		snprintf(cp, sizeof(cp), "blobs/sha256/%s", cdigest + 7);
		cJSON_AddStringToObject(dm, "Config", cp);
		cJSON_AddItemToObject(dm, "RepoTags", tags);
		cJSON_AddItemToObject(dm, "Layers", dlayers);
		dlayers = NULL;
		cJSON_AddItemToArray(docker_manifest, dm);
		strcpy(res->manifest_digest, mdigest);
	}
	cJSON_Delete(layers);
	cJSON_Delete(dlayers);
	cJSON_Delete(manifest);
	cJSON_Delete(config);
out:
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(metas[i]);
	free(metas);
	free(chain);
	return r;
}

static int write_json_file(struct saver *s, const char *name, const cJSON *doc)
{
	char *txt = cJSON_PrintUnformatted(doc);
	if (!txt)
		return icc_err_set(s->err, ENOMEM, "out of memory");
	int fd = openat(s->dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = 0;
	if (fd < 0 || write(fd, txt, strlen(txt)) != (ssize_t)strlen(txt))
		r = icc_err_sys(s->err, errno, "cannot write '%s'", name);
	if (fd >= 0)
		close(fd);
	free(txt);
	return r;
}

/* Make `path` a new empty directory (or use an existing empty one). */
static int open_layout_dir(const char *path, bool *created, struct icc_err *err)
{
	*created = false;
	if (mkdir(path, 0755) == 0)
		*created = true;
	else if (errno != EEXIST)
		return icc_err_sys(err, errno, "cannot create '%s'", path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return icc_err_sys(err, errno, "cannot open '%s'", path);
	if (!*created) {
		char **names;
		size_t n;
		if (icc_dir_names(fd, &names, &n, err) < 0) {
			close(fd);
			return -EIO;
		}
		icc_dir_names_free(names, n);
		if (n) {
			close(fd);
			return icc_err_set(err, EEXIST, "cannot save to '%s': the directory is not empty", path);
		}
	}
	return fd;
}

/* docker save's "repositories": {"name": {"tag": "<top layer id>"}}, from manifest.json */
static cJSON *docker_repositories(const cJSON *dman)
{
	cJSON *repos = cJSON_CreateObject();
	const cJSON *m;
	cJSON_ArrayForEach(m, dman) {
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(m, "RepoTags");
		const cJSON *ls = cJSON_GetObjectItemCaseSensitive(m, "Layers");
		const cJSON *last = cJSON_GetArrayItem(ls, cJSON_GetArraySize(ls) - 1);
		const cJSON *t;
		cJSON_ArrayForEach(t, tags) {
			char name[ICC_REF_MAX], tag[ICC_REF_MAX];
			icc_ref_split(t->valuestring, name, sizeof(name), tag, sizeof(tag));
			cJSON *rn = cJSON_GetObjectItemCaseSensitive(repos, name);
			if (!rn)
				rn = cJSON_AddObjectToObject(repos, name);
			if (last && cJSON_IsString(last) && strlen(last->valuestring) > 13)
				cJSON_AddStringToObject(rn, tag, last->valuestring + 13);
		}
	}
	return repos;
}

/* The layout directory as one tar, to the output file (by rename) or fd. */
static int write_layout_tar(struct saver *s, struct icc_save_result *res)
{
	int r = 0;
	int fd = s->o->out_fd, tfd = -1;
	char tmp[4200] = "";
	if (s->o->out_path) {
		snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", s->o->out_path);
		fd = tfd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			r = icc_err_sys(s->err, errno, "cannot create '%s'", s->o->out_path);
		else
			fchmod(fd, 0644);
	}
	struct icc_tarw *w;
	if (r == 0 && (r = icc_tarw_open(&w, fd, "none", s->err)) == 0) {
		r = icc_tarw_tree(w, s->dfd, s->err);
		if (r == 0)
			r = icc_tarw_close(w, s->err);
		else
			icc_tarw_free(w);
	}
	if (tfd >= 0) {
		if (r == 0 && (fsync(tfd) < 0 || rename(tmp, s->o->out_path) < 0))
			r = icc_err_sys(s->err, errno, "cannot write '%s'", s->o->out_path);
		struct stat sb;
		if (r == 0 && fstat(tfd, &sb) == 0)
			res->bytes = (uint64_t)sb.st_size;
		close(tfd);
		if (r < 0)
			unlink(tmp);
	}
	return r;
}

int icc_oci_save(struct icc_store *st, const char *const *refs, int nrefs,
		 const struct icc_save_opts *o, struct icc_save_result *res,
		 struct icc_err *err)
{
	memset(res, 0, sizeof(*res));
	struct saver s = {.st = st, .o = o, .dfd = -1, .blobs = -1, .err = err};
	s.compress = o->compress ? o->compress : (o->format == ICC_DOCKER_ARCHIVE ? "none" : "gzip");
	if (strcmp(s.compress, "none") && strcmp(s.compress, "gzip") && strcmp(s.compress, "zstd"))
		return icc_err_set(err, EINVAL, "unknown compression '%s' (none, gzip, zstd)", s.compress);
	if (o->format == ICC_DOCKER_ARCHIVE && strcmp(s.compress, "none"))
		return icc_err_set(err, EINVAL, "docker-archive layers are not compressed (use --compress none)");
	if (nrefs < 1)
		return icc_err_set(err, EINVAL, "no image to save");
	/* check the names first: bad input costs nothing */
	for (int i = 0; i < nrefs; i++) {
		char id[ICC_ID_LEN + 1];
		int r = icc_image_resolve(st, refs[i], id, err);
		if (r < 0)
			return r;
	}
	char dir[4200];
	bool created = false;
	if (o->format == ICC_OCI_DIR) {
		if (!o->out_path)
			return icc_err_set(err, EINVAL, "an oci-dir needs a directory (-o DIR)");
		snprintf(dir, sizeof(dir), "%s", o->out_path);
		s.dfd = open_layout_dir(dir, &created, err);
	} else {
		const char *t = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/icc-save-XXXXXX", t && *t ? t : "/var/tmp");
		if (!mkdtemp(dir))
			return icc_err_sys(err, errno, "cannot create a directory in '%s'", t && *t ? t : "/var/tmp");
		created = true;
		s.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s.dfd < 0)
			s.dfd = icc_err_sys(err, errno, "cannot open '%s'", dir);
	}
	if (s.dfd < 0) {
		if (created)
			rmdir(dir);
		return s.dfd;
	}
	int r = 0;
	if (mkdirat(s.dfd, "blobs", 0755) < 0 || mkdirat(s.dfd, "blobs/sha256", 0755) < 0 ||
	    (s.blobs = openat(s.dfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = icc_err_sys(err, errno, "cannot create '%s/blobs/sha256'", dir);
	cJSON *index = cJSON_CreateObject();
	cJSON_AddNumberToObject(index, "schemaVersion", 2);
	cJSON_AddStringToObject(index, "mediaType", MT_INDEX);
	cJSON *manifests = cJSON_AddArrayToObject(index, "manifests");
	cJSON *dman = cJSON_CreateArray();
	for (int i = 0; i < nrefs && r == 0; i++)
		r = save_image(&s, refs[i], manifests, dman, res);
	if (r == 0)
		r = write_json_file(&s, "index.json", index);
	if (r == 0) {
		cJSON *lay = cJSON_CreateObject();
		cJSON_AddStringToObject(lay, "imageLayoutVersion", "1.0.0");
		r = write_json_file(&s, "oci-layout", lay);
		cJSON_Delete(lay);
	}
	if (r == 0 && o->format == ICC_DOCKER_ARCHIVE) {
		r = write_json_file(&s, "manifest.json", dman);
		if (r == 0) {
			cJSON *repos = docker_repositories(dman);
			r = write_json_file(&s, "repositories", repos);
			cJSON_Delete(repos);
		}
	}
	cJSON_Delete(index);
	cJSON_Delete(dman);
	if (r == 0 && o->format != ICC_OCI_DIR)
		r = write_layout_tar(&s, res); /* the layout as one tar */
	if (s.blobs >= 0)
		close(s.blobs);
	close(s.dfd);
	free(s.memo);
	if (o->format != ICC_OCI_DIR || (r < 0 && created)) {
		struct icc_err e2;
		icc_rmtree(AT_FDCWD, dir, &e2);
	} else if (r < 0) {
		/* an existing empty directory: empty it again */
		int pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0) {
			struct icc_err e2;
			icc_rmtree(pfd, "blobs", &e2);
			unlinkat(pfd, "index.json", 0);
			unlinkat(pfd, "oci-layout", 0);
			close(pfd);
		}
	}
	return r;
}
