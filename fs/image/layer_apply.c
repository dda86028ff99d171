/* layer_apply.c - apply an OCI layer to a tree: whiteouts, opaque dirs, then entries */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/oci/oci.h"
#include "icc/oci/tarpath.h"
#include "icc/store/subvol.h"

/*
 * Open directory `dir` (a relative path) below root_fd one component at a
 * time, never following a symlink.  -ENOENT/-ENOTDIR/-ELOOP when it is not
 * a directory in the tree.
 */
static int open_below(int root_fd, const char *dir)
{
	int fd = dup(root_fd);
	if (fd < 0)
		return -errno;
	char buf[8192];
	snprintf(buf, sizeof(buf), "%s", dir);
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		int nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (nfd < 0)
			return -e;
		fd = nfd;
	}
	return fd;
}

static int apply_whiteout(int dest_fd, const char *name, const char *what, struct icc_err *err)
{
	char dir[8192];
	snprintf(dir, sizeof(dir), "%s", name);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	int fd = open_below(dest_fd, dir);
	if (fd < 0)
		return 0; /* its directory is not in the tree: nothing to hide */
	int r = 0;
	if (!strcmp(base, ".wh..wh..opq")) {
		char **names;
		size_t n;
		r = icc_dir_names(fd, &names, &n, err);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = icc_rmtree(fd, names[i], err);
		if (r == 0 || n)
			icc_dir_names_free(names, n);
	} else {
		const char *victim = base + 4;
		if (!*victim || !strcmp(victim, ".") || !strcmp(victim, "..") || strchr(victim, '/'))
			r = icc_err_set(err, EINVAL, "cannot apply '%s': bad whiteout '%s'", what, name);
		else
			r = icc_rmtree(fd, victim, err);
	}
	close(fd);
	return r;
}

static bool is_whiteout(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	return !strncmp(base, ".wh.", 4);
}

/* A reader over the whole layer file (from its start: each pass reads it again). */
static struct archive *open_layer(int fd, const char *what, struct icc_err *err)
{
	if (lseek(fd, 0, SEEK_SET) < 0) {
		icc_err_sys(err, errno, "cannot read layer '%s'", what);
		return NULL;
	}
	struct archive *in = archive_read_new();
	if (!in) {
		icc_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	archive_read_support_filter_all(in);
	if (archive_read_open_fd(in, fd, 1 << 16) != ARCHIVE_OK) {
		icc_err_set(err, EINVAL, "cannot read layer '%s': %s", what, archive_error_string(in));
		archive_read_free(in);
		return NULL;
	}
	return in;
}

/* The next member: 1, 0 at the end, or an error. */
static int next_entry(struct archive *in, struct archive_entry **e, const char *what, struct icc_err *err)
{
	int ar = archive_read_next_header(in, e);
	if (ar == ARCHIVE_EOF)
		return 0;
	if (ar < ARCHIVE_WARN)
		return icc_err_set(err, EINVAL, "cannot apply '%s': %s", what, archive_error_string(in));
	return 1;
}

/* Pass 1: every whiteout, which only ever hides what lower layers made. */
static int pass_whiteouts(int layer_fd, int dest_fd, const char *what, struct icc_err *err)
{
	struct archive *in = open_layer(layer_fd, what, err);
	if (!in)
		return -EINVAL;
	int r = 0;
	struct archive_entry *e;
	while ((r = next_entry(in, &e, what, err)) > 0) {
		const char *full = archive_entry_pathname(e);
		if (!full || !icc_tar_name_safe(full)) {
			r = icc_err_set(err, EPERM, "cannot apply '%s': member '%.200s' points outside the image",
					what, full ? full : "");
			break;
		}
		const char *link = archive_entry_hardlink(e);
		if (link && !icc_tar_name_safe(link)) {
			r = icc_err_set(err, EPERM, "cannot apply '%s': hard link '%.200s' points outside the image",
					what, full);
			break;
		}
		const char *name = icc_tar_strip_dot(full);
		if (name && is_whiteout(name) && (r = apply_whiteout(dest_fd, name, what, err)) < 0)
			break;
	}
	archive_read_free(in);
	return r;
}

/* Pass 2: the other entries, extracted by libarchive below dest_fd. */
static int pass_entries(int layer_fd, int dest_fd, const char *what, struct icc_err *err)
{
	struct icc_tarcap cap;
	icc_tarcap_init(&cap, dest_fd, "apply", what);
	struct archive *in = open_layer(layer_fd, what, err);
	if (!in)
		return -EINVAL;
	struct archive *out = icc_tar_disk_writer();
	if (!out) {
		archive_read_free(in);
		return icc_err_set(err, ENOMEM, "out of memory");
	}
	int saved, rc = icc_tar_enter(dest_fd, &saved);
	if (rc < 0) {
		archive_read_free(in);
		archive_write_free(out);
		return icc_err_sys(err, -rc, "cannot enter the image being loaded");
	}
	int r = 0;
	struct archive_entry *e;
	while ((r = next_entry(in, &e, what, err)) > 0) {
		const char *name = icc_tar_strip_dot(archive_entry_pathname(e));
		if (!name || is_whiteout(name))
			continue;
		char raw[208];
		snprintf(raw, sizeof(raw), "%.200s", name);
		archive_entry_set_pathname(e, name);
		const char *link = archive_entry_hardlink(e);
		if (link) {
			const char *l2 = icc_tar_strip_dot(link);
			if (!l2) {
				r = icc_err_set(err, EPERM, "cannot apply '%s': hard link '%s' to the root", what, raw);
				break;
			}
			archive_entry_set_hardlink(e, l2);
		}
		/* refuse a member that cannot fit before writing any of it (layer bombs) */
		if (!link && archive_entry_size(e) > 0 &&
		    (r = icc_tarcap_check(&cap, (unsigned long long)archive_entry_size(e), raw, err)) < 0)
			break;
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			r = icc_err_set(err, archive_errno(out) > 0 ? archive_errno(out) : EINVAL,
					"cannot apply '%s': member '%s': %s", what, raw, archive_error_string(out));
			break;
		}
		if (archive_entry_size(e) > 0 && !link) {
			const void *buf;
			size_t size;
			la_int64_t off;
			int ar;
			while ((ar = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK) {
				if ((r = icc_tarcap_add(&cap, size, raw, err)) < 0)
					break;
				if (archive_write_data_block(out, buf, size, off) < ARCHIVE_OK) {
					int en = archive_errno(out) > 0 ? archive_errno(out) : EIO;
					r = icc_err_set(err, en, "cannot apply '%s': writing '%s': %s", what, raw,
							archive_errno(out) > 0 ? strerror(en) : archive_error_string(out));
					break;
				}
			}
			if (r < 0)
				break;
			if (ar != ARCHIVE_EOF) {
				r = icc_err_set(err, EINVAL, "cannot apply '%s': member '%s': %s", what, raw,
						archive_error_string(in));
				break;
			}
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
			r = icc_err_set(err, EIO, "cannot apply '%s': member '%s': %s", what, raw,
					archive_error_string(out));
			break;
		}
	}
	if (archive_write_close(out) != ARCHIVE_OK && r == 0)
		r = icc_err_set(err, EIO, "cannot apply '%s': %s", what, archive_error_string(out));
	archive_write_free(out);
	archive_read_free(in);
	return icc_tar_leave(saved, r, err);
}

int icc_layer_apply_fd(int layer_fd, const char *what, int dest_fd, struct icc_err *err)
{
	char short_what[32];
	snprintf(short_what, sizeof(short_what), "%.19s", what);
	int r = pass_whiteouts(layer_fd, dest_fd, short_what, err);
	if (r == 0)
		r = pass_entries(layer_fd, dest_fd, short_what, err);
	return r;
}
