/* oci_load.c - load OCI layouts/archives and docker-archives: verify, then one image per layer */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "icc/base/fault.h"
#include "icc/base/util.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/oci/oci.h"
#include "icc/store/ref.h"
#include "icc/store/subvol.h"

#define MAX_LAYERS 256
#define MAX_IMAGES 1024 /* per archive: each struct img is ~40 KB */

/* One image found in the archive, checked and ready to apply. */
struct img {
	char config_digest[ICC_DIGEST_LEN + 1];
	cJSON *config;                     /* the image config document */
	char *layers[MAX_LAYERS];          /* paths in the layout */
	char diff_ids[MAX_LAYERS][ICC_DIGEST_LEN + 1];
	char chain[MAX_LAYERS][ICC_DIGEST_LEN + 1];
	size_t nlayers;
	cJSON *tags;                       /* "name:tag" strings */
};

struct loader {
	struct icc_store *st;              /* NULL: verify only */
	const struct icc_load_opts *o;
	int dfd;                           /* the layout (every file is opened beneath it) */
	const char *what;
	struct icc_err *err;
};

static void progress(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(struct loader *l, const char *fmt, ...)
{
	if (!l->o || !l->o->progress)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->o->progress(l->o->ctx, msg);
}

static bool digest_valid(const char *d)
{
	return d && strlen(d) == ICC_DIGEST_LEN && !strncmp(d, "sha256:", 7) && icc_is_hex(d + 7, 64);
}

/*
 * Open a regular file of the layout: beneath l->dfd only (an archive's
 * symlink to /etc/shadow or ../.. is refused, a relative one inside the
 * layout is fine: docker save makes those), never blocking on a fifo.
 */
static int open_beneath(struct loader *l, const char *path, const char *kind)
{
	int fd = icc_openat2(l->dfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK,
				RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	if (fd < 0 && errno == ENOSYS)
		fd = openat(l->dfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR)
			return icc_err_set(l->err, ENOENT, "cannot load '%s': %s %.200s is missing", l->what, kind, path);
		if (e == EXDEV || e == ELOOP)
			return icc_err_set(l->err, EPERM, "cannot load '%s': %s %.200s points outside the archive",
					   l->what, kind, path);
		return icc_err_sys(l->err, e, "cannot load '%s': %s %.200s", l->what, kind, path);
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return icc_err_set(l->err, EINVAL, "cannot load '%s': %s %.200s is not a regular file",
				   l->what, kind, path);
	}
	return fd;
}

/* "blobs/sha256/<hex>" for a digest, after checking the file's sha256 (and size). */
static int verify_blob(struct loader *l, const char *digest, long long size, char *path, size_t psize)
{
	if (!digest_valid(digest))
		return icc_err_set(l->err, EINVAL, "cannot load '%s': bad digest '%.80s'", l->what,
				   digest ? digest : "");
	snprintf(path, psize, "blobs/sha256/%s", digest + 7);
	int fd = open_beneath(l, path, "blob");
	if (fd < 0)
		return fd;
	char got[ICC_DIGEST_LEN + 1];
	uint64_t n;
	int r = icc_sha256_fd(fd, path, false, got, &n, l->err);
	close(fd);
	if (r < 0)
		return r;
	if (strcmp(got, digest))
		return icc_err_set(l->err, EINVAL, "cannot load '%s': blob %s has digest %s (corrupt)",
				   l->what, digest, got);
	if (size >= 0 && (uint64_t)size != n)
		return icc_err_set(l->err, EINVAL, "cannot load '%s': blob %s has %llu bytes, not %lld",
				   l->what, digest, (unsigned long long)n, size);
	return 0;
}

#define JSON_MAX (16 << 20)

static int read_json(struct loader *l, const char *path, cJSON **doc)
{
	*doc = NULL;
	int fd = open_beneath(l, path, "file");
	if (fd < 0)
		return fd;
	struct stat sb;
	char *txt = NULL;
	size_t len = 0;
	int r = 0;
	if (fstat(fd, &sb) < 0 || sb.st_size > JSON_MAX)
		r = icc_err_set(l->err, EFBIG, "cannot load '%s': %s is larger than %d bytes", l->what, path, JSON_MAX);
	else if (!(txt = malloc((size_t)sb.st_size + 1)))
		r = icc_err_set(l->err, ENOMEM, "out of memory");
	while (r == 0 && len < (size_t)sb.st_size) {
		ssize_t n = read(fd, txt + len, (size_t)sb.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = icc_err_sys(l->err, errno, "cannot load '%s': %s", l->what, path);
		else if (n == 0)
			break;
		else
			len += (size_t)n;
	}
	close(fd);
	if (r == 0)
		*doc = cJSON_ParseWithLength(txt, len);
	free(txt);
	if (r < 0)
		return r;
	if (!*doc || !(cJSON_IsObject(*doc) || cJSON_IsArray(*doc))) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return icc_err_set(l->err, EINVAL, "cannot load '%s': %s is not valid JSON", l->what, path);
	}
	return 0;
}

static bool layer_type_known(const char *mt)
{
	static const char *const ok[] = {
		"application/vnd.oci.image.layer.v1.tar",
		"application/vnd.oci.image.layer.v1.tar+gzip",
		"application/vnd.oci.image.layer.v1.tar+zstd",
		"application/vnd.oci.image.layer.nondistributable.v1.tar",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		"application/vnd.docker.image.rootfs.diff.tar",
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	};
	for (size_t i = 0; mt && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(mt, ok[i]))
			return true;
	return false;
}

/* Check the config's diff_ids against the decompressed layers; compute chain ids. */
static int check_config(struct loader *l, struct img *im)
{
	const cJSON *rootfs = cJSON_GetObjectItemCaseSensitive(im->config, "rootfs");
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	if (!cJSON_IsArray(ids) || (size_t)cJSON_GetArraySize(ids) != im->nlayers)
		return icc_err_set(l->err, EINVAL, "cannot load '%s': the config lists %d layers, the manifest %zu",
				   l->what, cJSON_IsArray(ids) ? cJSON_GetArraySize(ids) : 0, im->nlayers);
	for (size_t i = 0; i < im->nlayers; i++) {
		const cJSON *d = cJSON_GetArrayItem(ids, (int)i);
		if (!cJSON_IsString(d) || !digest_valid(d->valuestring))
			return icc_err_set(l->err, EINVAL, "cannot load '%s': bad diff_id %zu", l->what, i);
		char got[ICC_DIGEST_LEN + 1];
		progress(l, "Verifying layer %zu/%zu %.19s", i + 1, im->nlayers, d->valuestring);
		int fd = open_beneath(l, im->layers[i], "layer");
		if (fd < 0)
			return fd;
		struct icc_err e2;
		int r = icc_sha256_fd(fd, im->layers[i], true, got, NULL, &e2);
		close(fd);
		if (r < 0) /* e2: its message would overlap l->err's */
			return icc_err_set(l->err, EINVAL, "cannot load '%s': layer %s: %s", l->what,
					   im->layers[i], e2.msg);
		if (strcmp(got, d->valuestring))
			return icc_err_set(l->err, EINVAL, "cannot load '%s': layer %s has diff_id %s, the config says %s",
					   l->what, im->layers[i], got, d->valuestring);
		strcpy(im->diff_ids[i], got);
		if (i == 0) {
			strcpy(im->chain[0], got);
		} else {
			char buf[2 * ICC_DIGEST_LEN + 2];
			snprintf(buf, sizeof(buf), "%s %s", im->chain[i - 1], got);
			icc_sha256_buf(buf, strlen(buf), im->chain[i]);
		}
	}
	return 0;
}

static void img_free(struct img *im)
{
	cJSON_Delete(im->config);
	cJSON_Delete(im->tags);
	for (size_t i = 0; i < im->nlayers; i++)
		free(im->layers[i]);
	memset(im, 0, sizeof(*im));
}

/* `obj`'s mediaType, when it has one, is `a` or `b` (a `what` in messages). */
static int media_type_ok(struct loader *l, const cJSON *obj, const char *what, const char *a,
			 const char *b)
{
	const char *mt = icc_json_str(obj, "mediaType");
	if (mt && strcmp(mt, a) && strcmp(mt, b))
		return icc_err_set(l->err, EINVAL, "cannot load '%s': unknown %s media type '%.200s'",
				   l->what, what, mt);
	return 0;
}

/* One OCI/Docker v2 manifest (by digest) into an img. */
static int oci_manifest(struct loader *l, const cJSON *desc, struct img *im)
{
	char path[128];
	const char *digest = icc_json_str(desc, "digest");
	int r = verify_blob(l, digest, icc_json_int(desc, "size", -1), path, sizeof(path));
	cJSON *m = NULL;
	if (r == 0)
		r = read_json(l, path, &m);
	if (r < 0)
		return r;
	const cJSON *cd = cJSON_GetObjectItemCaseSensitive(m, "config");
	r = media_type_ok(l, m, "manifest", "application/vnd.oci.image.manifest.v1+json",
			  "application/vnd.docker.distribution.manifest.v2+json");
	if (r == 0)
		r = media_type_ok(l, cd, "config", "application/vnd.oci.image.config.v1+json",
				  "application/vnd.docker.container.image.v1+json");
	if (r < 0) {
		cJSON_Delete(m);
		return r;
	}
	char cpath[128];
	r = verify_blob(l, icc_json_str(cd, "digest"), icc_json_int(cd, "size", -1), cpath, sizeof(cpath));
	if (r == 0) {
		strcpy(im->config_digest, icc_json_str(cd, "digest"));
		r = read_json(l, cpath, &im->config);
	}
	const cJSON *ls = cJSON_GetObjectItemCaseSensitive(m, "layers");
	if (r == 0 && (!cJSON_IsArray(ls) || cJSON_GetArraySize(ls) > MAX_LAYERS))
		r = icc_err_set(l->err, EINVAL, "cannot load '%s': bad layer list in manifest %s", l->what, digest);
	const cJSON *ld;
	if (r == 0)
		cJSON_ArrayForEach(ld, ls) {
			const char *lmt = icc_json_str(ld, "mediaType");
			if (!layer_type_known(lmt)) {
				r = icc_err_set(l->err, EINVAL, "cannot load '%s': unknown layer media type '%.200s'",
						l->what, lmt ? lmt : "");
				break;
			}
			char lp[128];
			progress(l, "Checking blob %.19s", icc_json_str(ld, "digest") ? icc_json_str(ld, "digest") : "");
			if ((r = verify_blob(l, icc_json_str(ld, "digest"), icc_json_int(ld, "size", -1), lp, sizeof(lp))) < 0)
				break;
			if (!(im->layers[im->nlayers] = strdup(lp))) {
				r = icc_err_set(l->err, ENOMEM, "out of memory");
				break;
			}
			im->nlayers++;
		}
	cJSON_Delete(m);
	if (r == 0)
		r = check_config(l, im);
	return r;
}

/* Is the descriptor for linux/amd64 (or says nothing)? */
static bool platform_ok(const cJSON *desc)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(desc, "platform");
	if (!p)
		return true;
	const char *os = icc_json_str(p, "os"), *arch = icc_json_str(p, "architecture");
	return (!os || !strcmp(os, "linux")) && (!arch || !strcmp(arch, "amd64"));
}

static void imgs_free(struct img *ims, size_t n)
{
	for (size_t i = 0; ims && i < n; i++)
		img_free(&ims[i]);
	free(ims);
}

/* The image list of `file`: an array of 1 to MAX_IMAGES entries; 0, or -EINVAL. */
static int image_count_ok(struct loader *l, const char *file, const cJSON *list)
{
	int k = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
	if (k > MAX_IMAGES)
		return icc_err_set(l->err, EINVAL, "cannot load '%s': %s lists %d images (at most %d)",
				   l->what, file, k, MAX_IMAGES);
	if (k == 0)
		return icc_err_set(l->err, EINVAL, "cannot load '%s': %s lists no image", l->what, file);
	return 0;
}

/* index.json: every linux/amd64 image, verified, into *out (n of them). */
static int oci_layout(struct loader *l, struct img **out, size_t *nout)
{
	cJSON *index;
	int r = read_json(l, "index.json", &index);
	if (r < 0)
		return r;
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(index, "manifests");
	r = image_count_ok(l, "index.json", ms);
	if (r < 0) {
		cJSON_Delete(index);
		return r;
	}
	size_t cap = (size_t)cJSON_GetArraySize(ms);
	struct img *ims = calloc(cap, sizeof(*ims));
	size_t n = 0;
	const cJSON *d;
	cJSON_ArrayForEach(d, ms) {
		if (r < 0 || !ims)
			break;
		const char *mt = icc_json_str(d, "mediaType");
		const cJSON *desc = d;
		cJSON *sub = NULL;
		if (mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
			   !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"))) {
			/* a multi-platform index: take linux/amd64 */
			char p[128];
			if ((r = verify_blob(l, icc_json_str(d, "digest"), icc_json_int(d, "size", -1), p, sizeof(p))) < 0 ||
			    (r = read_json(l, p, &sub)) < 0)
				break;
			desc = NULL;
			const cJSON *e;
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(sub, "manifests"))
				if (platform_ok(e)) {
					desc = e;
					break;
				}
			if (!desc) {
				cJSON_Delete(sub);
				r = icc_err_set(l->err, EINVAL, "cannot load '%s': no linux/amd64 image in the index", l->what);
				break;
			}
		} else if (!platform_ok(d)) {
			continue;
		}
		struct img *im = &ims[n];
		im->tags = cJSON_CreateArray();
		r = oci_manifest(l, desc, im);
		cJSON_Delete(sub);
		n++;
		if (r < 0)
			break;
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(d, "annotations");
		const char *full = icc_json_str(ann, "io.containerd.image.name");
		const char *rn = icc_json_str(ann, "org.opencontainers.image.ref.name");
		char norm[ICC_REF_MAX];
		struct icc_err e2;
		if (full && icc_ref_normalize(full, norm, sizeof(norm), &e2) == 0)
			cJSON_AddItemToArray(im->tags, cJSON_CreateString(norm));
		else if (rn && (strchr(rn, ':') || strchr(rn, '/')) && icc_ref_normalize(rn, norm, sizeof(norm), &e2) == 0)
			cJSON_AddItemToArray(im->tags, cJSON_CreateString(norm));
	}
	cJSON_Delete(index);
	if (!ims)
		r = icc_err_set(l->err, ENOMEM, "out of memory");
	if (r == 0 && n == 0)
		r = icc_err_set(l->err, EINVAL, "cannot load '%s': no linux/amd64 image in it", l->what);
	if (r < 0) {
		imgs_free(ims, n);
		return r;
	}
	*out = ims;
	*nout = n;
	return 0;
}

/* A path inside the layout from manifest.json: relative, no "..". */
static bool rel_ok(const char *p)
{
	if (!p || !*p || p[0] == '/')
		return false;
	return !strstr(p, "..");
}

/* manifest.json: every image, verified, into *out (n of them). */
static int docker_archive(struct loader *l, struct img **out, size_t *nout)
{
	cJSON *man;
	int r = read_json(l, "manifest.json", &man);
	if (r < 0)
		return r;
	r = image_count_ok(l, "manifest.json", man);
	if (r < 0) {
		cJSON_Delete(man);
		return r;
	}
	size_t cap = (size_t)cJSON_GetArraySize(man), n = 0;
	struct img *ims = calloc(cap, sizeof(*ims));
	const cJSON *m;
	cJSON_ArrayForEach(m, man) {
		if (!ims || r < 0)
			break;
		struct img *im = &ims[n++];
		im->tags = cJSON_CreateArray();
		const char *cfg = icc_json_str(m, "Config");
		if (!rel_ok(cfg)) {
			r = icc_err_set(l->err, EINVAL, "cannot load '%s': bad Config in manifest.json", l->what);
			break;
		}
		/* the config's name is its digest: "<hex>.json" or "blobs/sha256/<hex>" */
		const char *base = strrchr(cfg, '/') ? strrchr(cfg, '/') + 1 : cfg;
		char want[ICC_DIGEST_LEN + 1];
		snprintf(want, sizeof(want), "sha256:%.64s", base);
		char got[ICC_DIGEST_LEN + 1];
		int cfd = open_beneath(l, cfg, "config");
		if (cfd < 0) {
			r = cfd;
			break;
		}
		r = icc_sha256_fd(cfd, cfg, false, got, NULL, l->err);
		close(cfd);
		if (r < 0)
			break;
		if (digest_valid(want) && strcmp(want, got)) {
			r = icc_err_set(l->err, EINVAL, "cannot load '%s': config %s has digest %s (corrupt)", l->what, cfg, got);
			break;
		}
		strcpy(im->config_digest, got);
		if ((r = read_json(l, cfg, &im->config)) < 0)
			break;
		const cJSON *ls = cJSON_GetObjectItemCaseSensitive(m, "Layers"), *lp;
		if (!cJSON_IsArray(ls) || cJSON_GetArraySize(ls) > MAX_LAYERS) {
			r = icc_err_set(l->err, EINVAL, "cannot load '%s': bad Layers in manifest.json", l->what);
			break;
		}
		cJSON_ArrayForEach(lp, ls) {
			if (!cJSON_IsString(lp) || !rel_ok(lp->valuestring)) {
				r = icc_err_set(l->err, EINVAL, "cannot load '%s': bad layer path in manifest.json", l->what);
				break;
			}
			int lfd = open_beneath(l, lp->valuestring, "layer");
			if (lfd < 0) {
				r = lfd;
				break;
			}
			close(lfd);
			if (!(im->layers[im->nlayers] = strdup(lp->valuestring))) {
				r = icc_err_set(l->err, ENOMEM, "out of memory");
				break;
			}
			im->nlayers++;
		}
		if (r == 0)
			r = check_config(l, im);
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(m, "RepoTags")) {
			char norm[ICC_REF_MAX];
			struct icc_err e2;
			if (cJSON_IsString(t) && icc_ref_normalize(t->valuestring, norm, sizeof(norm), &e2) == 0)
				cJSON_AddItemToArray(im->tags, cJSON_CreateString(norm));
		}
	}
	cJSON_Delete(man);
	if (!ims)
		r = icc_err_set(l->err, ENOMEM, "out of memory");
	if (r < 0) {
		imgs_free(ims, n);
		return r;
	}
	*out = ims;
	*nout = n;
	return 0;
}

/*
 * An existing image whose meta has layer_chain_id == chain (and config digest,
 * if given).  Only images icc load made count: it computed those digests
 * itself over layers it verified and applied.  A received image carries what
 * its sender claimed (even one received before receive stopped keeping them).
 */
struct chain_want {
	const char *chain, *cdigest;
};

static bool chain_matches(struct icc_store *st, const char *id, void *ctx)
{
	const struct chain_want *w = ctx;
	cJSON *meta;
	struct icc_err e;
	if (icc_object_meta(st, ICC_IMAGE, id, &meta, &e) < 0)
		return false;
	const char *c = icc_json_str(meta, "layer_chain_id");
	const char *d = icc_json_str(meta, "config_digest");
	const char *how = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "source"), "type");
	bool loaded = how && !strcmp(how, "load") && !cJSON_GetObjectItemCaseSensitive(meta, "received");
	bool match = loaded && c && !strcmp(c, w->chain) && (!w->cdigest || (d && !strcmp(d, w->cdigest)));
	cJSON_Delete(meta);
	return match;
}

static bool find_chain(struct icc_store *st, const char *chain, const char *cdigest, char id[ICC_ID_LEN + 1])
{
	struct chain_want w = {chain, cdigest};
	return icc_object_find(st, ICC_IMAGE, chain_matches, &w, id);
}

/* The history entries that made layers (not empty_layer), in order. */
static const cJSON *layer_history(const cJSON *config, size_t k)
{
	const cJSON *h;
	size_t i = 0;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(config, "history")) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "empty_layer")))
			continue;
		if (i++ == k)
			return h;
	}
	return NULL;
}

static cJSON *layer_meta(struct loader *l, const struct img *im, size_t i, const char *parent)
{
	cJSON *meta = cJSON_CreateObject();
	const cJSON *h = layer_history(im->config, i);
	const char *created = icc_json_str(h, "created");
	if (!created || !*created)
		created = icc_json_str(im->config, "created");
	char now[64];
	if (!created) {
		icc_time_format(icc_now_ns(), now, sizeof(now));
		created = now;
	}
	cJSON_AddStringToObject(meta, "created", created);
	cJSON_AddStringToObject(meta, "parent", parent ? parent : "");
	const char *v = icc_json_str(h, "comment");
	cJSON_AddStringToObject(meta, "comment", v ? v : "");
	v = icc_json_str(h, "author");
	cJSON_AddStringToObject(meta, "author", v ? v : "");
	v = icc_json_str(h, "created_by");
	cJSON_AddStringToObject(meta, "created_by", v ? v : "");
	/* the archive's run settings: only what an image may hold (no Mounts, no network) */
	cJSON_AddItemToObject(meta, "config",
			      icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(im->config, "config")));
	cJSON_AddStringToObject(meta, "layer_diff_id", im->diff_ids[i]);
	cJSON_AddStringToObject(meta, "layer_chain_id", im->chain[i]);
	if (i + 1 == im->nlayers)
		cJSON_AddStringToObject(meta, "config_digest", im->config_digest);
	cJSON *src = cJSON_AddObjectToObject(meta, "source");
	cJSON_AddStringToObject(src, "type", "load");
	cJSON_AddStringToObject(src, "file", l->what);
	cJSON_AddStringToObject(src, "image_config", im->config_digest);
	return meta;
}

/* Tag a loaded image with its own tags and `extra_tag`; record {id, tags, moved} in `loaded`. */
static int tag_loaded(struct loader *l, const struct img *im, const char *final_id, const char *extra_tag,
		      cJSON *loaded)
{
	int r = 0;
	cJSON *tags = cJSON_Duplicate(im->tags, true);
	if (extra_tag) {
		char norm[ICC_REF_MAX];
		if ((r = icc_ref_normalize(extra_tag, norm, sizeof(norm), l->err)) < 0) {
			cJSON_Delete(tags);
			return r;
		}
		cJSON_AddItemToArray(tags, cJSON_CreateString(norm));
	}
	/* a tag that named another image moves; that image stays, untagged (as Docker) */
	cJSON *moved = cJSON_CreateArray();
	if (cJSON_GetArraySize(tags) && (r = icc_store_lock(l->st, l->err)) == 0) {
		cJSON *refs = NULL;
		r = icc_refs_load(l->st, &refs, l->err);
		const cJSON *t;
		cJSON_ArrayForEach(t, tags) {
			if (r < 0)
				break;
			const char *old = icc_json_str(refs, t->valuestring);
			if (old && strcmp(old, final_id)) {
				cJSON *mv = cJSON_CreateObject();
				cJSON_AddStringToObject(mv, "tag", t->valuestring);
				cJSON_AddStringToObject(mv, "old_id", old);
				cJSON_AddItemToArray(moved, mv);
			}
			r = icc_refs_set(l->st, t->valuestring, final_id, l->err);
		}
		cJSON_Delete(refs);
		icc_store_unlock(l->st);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", final_id);
	cJSON_AddItemToObject(o, "tags", tags);
	cJSON_AddItemToObject(o, "moved", moved);
	cJSON_AddItemToArray(loaded, o);
	return r;
}

/* sg's tree made a snapshot of the tree open at `src` (closed after); src itself when it is -errno. */
static int snapshot_of(struct icc_stage *sg, int src, struct icc_err *err)
{
	if (src < 0)
		return src;
	int r = icc_stage_rootfs_snapshot(sg, src, err);
	close(src);
	return r;
}

/* Apply one image's layers: reuse what the store has, stage the rest, publish in one go. */
static int load_one(struct loader *l, struct img *im, cJSON *loaded, const char *extra_tag)
{
	struct icc_stage stages[MAX_LAYERS];
	cJSON *metas[MAX_LAYERS];
	size_t nst = 0;
	char prev[ICC_ID_LEN + 1] = "";
	int prev_stage = -1; /* index into stages when the previous step is staged */
	char final_id[ICC_ID_LEN + 1] = "";
	int r = 0;
	if (im->nlayers == 0)
		return icc_err_set(l->err, EINVAL, "cannot load '%s': an image without layers", l->what);
	for (size_t i = 0; i < im->nlayers && r == 0; i++) {
		bool last = i + 1 == im->nlayers;
		char found[ICC_ID_LEN + 1];
		if (prev_stage < 0 && find_chain(l->st, im->chain[i], last ? im->config_digest : NULL, found)) {
			progress(l, "Layer %zu/%zu %.19s: already in the store", i + 1, im->nlayers, im->diff_ids[i]);
			memcpy(prev, found, sizeof(prev));
			if (last)
				memcpy(final_id, found, sizeof(final_id));
			continue;
		}
		struct icc_stage *sg = &stages[nst];
		metas[nst] = NULL;
		nst++;
		if ((r = icc_stage_begin(l->st, sg, l->err)) < 0)
			break;
		char same[ICC_ID_LEN + 1];
		if (last && prev_stage < 0 && find_chain(l->st, im->chain[i], NULL, same)) {
			/* same layers, other config: a snapshot of that image, no extraction */
			r = snapshot_of(sg, icc_object_rootfs_fd(l->st, ICC_IMAGE, same, l->err), l->err);
			cJSON *sm;
			const char *pp = NULL;
			if (r == 0 && icc_object_meta(l->st, ICC_IMAGE, same, &sm, l->err) == 0) {
				pp = icc_json_str(sm, "parent");
				metas[nst - 1] = layer_meta(l, im, i, pp && *pp ? pp : NULL);
				cJSON_Delete(sm);
			}
			break;
		}
		progress(l, "Applying layer %zu/%zu %.19s", i + 1, im->nlayers, im->diff_ids[i]);
		if (prev_stage >= 0)
			r = snapshot_of(sg, icc_stage_rootfs_fd(&stages[prev_stage], l->err), l->err);
		else if (prev[0])
			r = snapshot_of(sg, icc_object_rootfs_fd(l->st, ICC_IMAGE, prev, l->err), l->err);
		else
			r = icc_stage_rootfs_empty(sg, l->err);
		if (r < 0)
			break;
		int dest = icc_stage_rootfs_fd(sg, l->err);
		if (dest < 0) {
			r = dest;
			break;
		}
		const char *lname = strrchr(im->layers[i], '/') ? strrchr(im->layers[i], '/') + 1 : im->layers[i];
		int lfd = open_beneath(l, im->layers[i], "layer");
		r = lfd < 0 ? lfd : icc_layer_apply_fd(lfd, lname, dest, l->err);
		if (lfd >= 0)
			close(lfd);
		if (r == 0) {
			unsigned long long size = 0;
			metas[nst - 1] = layer_meta(l, im, i, prev[0] ? prev : NULL);
			if (icc_tree_size(dest, &size, l->err) == 0)
				cJSON_AddNumberToObject(metas[nst - 1], "size", (double)size);
		}
		close(dest);
		if (r == 0)
			icc_fault_point("load-after-layer");
		memcpy(prev, sg->id, sizeof(prev));
		prev_stage = (int)nst - 1;
	}
	if (r == 0 && nst) {
		icc_fault_point("load-before-publish");
		r = icc_store_lock(l->st, l->err);
		for (size_t k = 0; r == 0 && k < nst; k++) {
			const char *pp = icc_json_str(metas[k], "parent");
			if (pp && *pp && strcmp(pp, k ? stages[k - 1].id : "") &&
			    !icc_object_exists(l->st, ICC_IMAGE, pp))
				r = icc_err_set(l->err, ENOENT, "parent image %.12s was removed meanwhile", pp);
			else if ((r = icc_stage_publish(l->st, &stages[k], ICC_IMAGE, metas[k], l->err)) == 0)
				stages[k].dirfd = -2; /* published */
		}
		if (r == 0)
			memcpy(final_id, stages[nst - 1].id, sizeof(final_id));
		if (l->st->lock_fd >= 0)
			icc_store_unlock(l->st);
	}
	for (size_t j = 0; j < nst; j++) {
		if (stages[j].dirfd != -2)
			icc_stage_discard(l->st, &stages[j]); /* icc_oci_load waits for the space */
		cJSON_Delete(metas[j]);
	}
	if (r < 0)
		return r;
	return tag_loaded(l, im, final_id, extra_tag, loaded);
}

/* Archive authors choose names and media types that land in messages: one line, no escapes. */
static void msg_sanitize(struct icc_err *err)
{
	icc_printable(err->msg);
}

/* Which format the layout in l->dfd is, then parse and verify it. */
static int parse_layout(struct loader *l, struct img **ims, size_t *n)
{
	*ims = NULL;
	*n = 0;
	if (faccessat(l->dfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    faccessat(l->dfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return oci_layout(l, ims, n);
	if (faccessat(l->dfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return docker_archive(l, ims, n);
	if (faccessat(l->dfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return oci_layout(l, ims, n);
	return icc_err_set(l->err, EINVAL, "cannot load '%s': not an OCI layout or docker-archive "
			   "(no index.json or manifest.json)", l->what);
}

int icc_oci_verify(int dir_fd, const char *what, cJSON *images, struct icc_err *err)
{
	struct loader l = {.dfd = dir_fd, .what = what, .err = err};
	struct img *ims;
	size_t n;
	int r = parse_layout(&l, &ims, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *d = cJSON_CreateArray(), *c = cJSON_CreateArray();
		cJSON_AddStringToObject(o, "config_digest", ims[i].config_digest);
		for (size_t k = 0; k < ims[i].nlayers; k++) {
			cJSON_AddItemToArray(d, cJSON_CreateString(ims[i].diff_ids[k]));
			cJSON_AddItemToArray(c, cJSON_CreateString(ims[i].chain[k]));
		}
		cJSON_AddItemToObject(o, "diff_ids", d);
		cJSON_AddItemToObject(o, "chain_ids", c);
		cJSON_AddItemToObject(o, "tags", cJSON_Duplicate(ims[i].tags, true));
		/* the metadata load would give each layer's image */
		cJSON *metas = cJSON_AddArrayToObject(o, "metas");
		for (size_t k = 0; k < ims[i].nlayers; k++)
			cJSON_AddItemToArray(metas, layer_meta(&l, &ims[i], k, NULL));
		cJSON_AddItemToArray(images, o);
	}
	if (r == 0)
		imgs_free(ims, n);
	else
		msg_sanitize(err);
	return r;
}

int icc_oci_load(struct icc_store *st, const char *path, int in_fd,
		 const struct icc_load_opts *o, cJSON *loaded, struct icc_err *err)
{
	struct loader l = {.st = st, .o = o, .dfd = -1, .what = path, .err = err};
	if (o && o->tag) {
		char norm[ICC_REF_MAX];
		int r = icc_ref_normalize(o->tag, norm, sizeof(norm), err);
		if (r < 0)
			return r;
	}
	struct stat sb;
	char scratch[sizeof(st->root) + 32] = ""; /* the unpacked archive: <root>/tmp/load-XXXXXX */
	int r = 0;
	if (strcmp(path, "-") && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		l.dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l.dfd < 0)
			r = icc_err_sys(err, errno, "cannot open '%s'", path);
	} else {
		/* in the store's tmp/, so that a crash leaves it where `icc system check` sees it */
		icc_store_path(st, "tmp/load-XXXXXX", scratch, sizeof(scratch));
		if (!mkdtemp(scratch))
			return icc_err_sys(err, errno, "cannot create a directory in '%s/tmp'", st->root);
		int fd = in_fd;
		if (strcmp(path, "-")) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				r = icc_err_sys(err, errno, "cannot load '%s'", path);
		}
		if (r == 0) {
			l.dfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			unsigned long long bytes;
			progress(&l, "Unpacking %s", path);
			r = l.dfd < 0 ? icc_err_sys(err, errno, "cannot open '%s'", scratch)
				      : icc_tar_extract(fd, path, l.dfd, &bytes, err);
		}
		if (fd >= 0 && fd != in_fd)
			close(fd);
	}
	struct img *ims = NULL;
	size_t n = 0;
	if (r == 0)
		r = parse_layout(&l, &ims, &n);
	/* everything was verified before this point: now the store changes */
	for (size_t i = 0; r == 0 && i < n; i++)
		r = load_one(&l, &ims[i], loaded, n == 1 || i == 0 ? (o ? o->tag : NULL) : NULL);
	imgs_free(ims, n);
	if (l.dfd >= 0)
		close(l.dfd);
	if (scratch[0]) {
		struct icc_err e2;
		icc_rmtree(AT_FDCWD, scratch, &e2);
	}
	if (r < 0) {
		/* what the refused load wrote is free again when it returns */
		icc_store_reclaim(st);
		msg_sanitize(err);
	}
	return r;
}
