/* tar_extract.c - unpack a tar stream into a directory, refusing escapes */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "icc/image/image.h"
#include "icc/oci/tarpath.h"

int icc_tar_extract(int in_fd, const char *what, int dest_fd, unsigned long long *bytes,
		    struct icc_err *err)
{
	return icc_tar_extract_as(in_fd, "import", what, dest_fd, bytes, err);
}

/* One member's data, block by block, counted against the store's free space. */
static int copy_data(struct archive *in, struct archive *out, struct icc_tarcap *cap, const char *verb,
		     const char *what, const char *raw, unsigned long long *bytes, struct icc_err *err)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int ar, r;
	while ((ar = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK) {
		if ((r = icc_tarcap_add(cap, size, raw, err)) < 0)
			return r;
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_OK) {
			int e = archive_errno(out) > 0 ? archive_errno(out) : EIO;
			return icc_err_set(err, e, "cannot %s '%s': writing '%s': %s", verb, what, raw,
					   archive_errno(out) > 0 ? strerror(e) : archive_error_string(out));
		}
		*bytes += size;
	}
	if (ar != ARCHIVE_EOF)
		return icc_err_set(err, EINVAL, "cannot %s '%s': member '%s': %s", verb, what, raw,
				   archive_error_string(in));
	return 0;
}

int icc_tar_extract_as(int in_fd, const char *verb, const char *what, int dest_fd,
		       unsigned long long *bytes, struct icc_err *err)
{
	*bytes = 0;
	struct icc_tarcap cap;
	icc_tarcap_init(&cap, dest_fd, verb, what);
	struct archive *in = archive_read_new();
	struct archive *out = icc_tar_disk_writer();
	if (!in || !out) {
		archive_read_free(in);
		archive_write_free(out);
		return icc_err_set(err, ENOMEM, "out of memory");
	}
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	archive_read_support_filter_all(in);

	/* libarchive writes relative to the cwd: work inside dest_fd. */
	int saved_cwd, rc = icc_tar_enter(dest_fd, &saved_cwd);
	if (rc < 0) {
		archive_read_free(in);
		archive_write_free(out);
		return icc_err_sys(err, -rc, "cannot %s '%s': cannot enter the destination", verb, what);
	}

	int r = 0;
	unsigned long long entries = 0;
	if (archive_read_open_fd(in, in_fd, 1 << 16) != ARCHIVE_OK) {
		r = icc_err_set(err, EINVAL, "cannot %s '%s': %s", verb, what, archive_error_string(in));
		goto out;
	}
	for (;;) {
		struct archive_entry *e;
		int ar = archive_read_next_header(in, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = icc_err_set(err, EINVAL, "cannot %s '%s': %s%s", verb, what,
					entries == 0 ? "not a tar archive: " : "",
					archive_error_string(in));
			goto out;
		}
		entries++;
		const char *full = archive_entry_pathname(e);
		char raw[104];
		if (full)
			snprintf(raw, sizeof(raw), strlen(full) > 100 ? "%.96s..." : "%s", full);
		if (!full) {
			r = icc_err_set(err, EINVAL, "cannot %s '%s': member %llu has no name", verb, what, entries);
			goto out;
		}
		if (!icc_tar_name_safe(full)) {
			r = icc_err_set(err, EPERM, "cannot %s '%s': member '%s' points outside the image", verb, what, raw);
			goto out;
		}
		const char *name = icc_tar_strip_dot(full);
		if (!name)
			continue; /* "./": the root directory itself */
		archive_entry_set_pathname(e, name);
		const char *link = archive_entry_hardlink(e);
		if (link) {
			if (!icc_tar_name_safe(link)) {
				r = icc_err_set(err, EPERM, "cannot %s '%s': hard link '%s' points outside the image (to '%s')", verb, what, raw, link);
				goto out;
			}
			const char *l2 = icc_tar_strip_dot(link);
			if (!l2) {
				r = icc_err_set(err, EPERM, "cannot %s '%s': hard link '%s' to the root directory", verb, what, raw);
				goto out;
			}
			archive_entry_set_hardlink(e, l2);
		}
		/* refuse a member that cannot fit before writing any of it */
		if (!link && archive_entry_size(e) > 0 &&
		    (r = icc_tarcap_check(&cap, (unsigned long long)archive_entry_size(e), raw, err)) < 0)
			goto out;
		ar = archive_write_header(out, e);
		if (ar < ARCHIVE_WARN) {
			r = icc_err_set(err, archive_errno(out) > 0 ? archive_errno(out) : EINVAL,
					"cannot %s '%s': member '%s': %s", verb, what, raw,
					archive_errno(out) == ENAMETOOLONG ? "name too long" : archive_error_string(out));
			goto out;
		}
		if (archive_entry_size(e) > 0 && !link &&
		    (r = copy_data(in, out, &cap, verb, what, raw, bytes, err)) < 0)
			goto out;
		if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
			r = icc_err_set(err, archive_errno(out) > 0 ? archive_errno(out) : EIO,
					"cannot %s '%s': member '%s': %s", verb, what, raw, archive_error_string(out));
			goto out;
		}
	}
	if (entries == 0)
		r = icc_err_set(err, EINVAL, "cannot %s '%s': the archive is empty", verb, what);
out:
	/* close applies deferred directory modes and times */
	if (archive_write_close(out) != ARCHIVE_OK && r == 0)
		r = icc_err_set(err, EIO, "cannot %s '%s': %s", verb, what, archive_error_string(out));
	archive_write_free(out);
	archive_read_free(in);
	return icc_tar_leave(saved_cwd, r, err);
}
