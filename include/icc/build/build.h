/* build.h - icc build: the Dockerfile parser (pure), the build context, the cache key, the executor */
#ifndef ICC_BUILD_H
#define ICC_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "icc/base/err.h"
#include "icc/store/store.h"
#include "icc/base/util.h"

/* ---- dockerfile_parse.c: text to instructions (no store, no files) ---- */

enum icc_df_op {
	ICC_DF_FROM, ICC_DF_RUN, ICC_DF_CMD, ICC_DF_ENTRYPOINT, ICC_DF_SHELL, ICC_DF_ENV,
	ICC_DF_ARG, ICC_DF_LABEL, ICC_DF_EXPOSE, ICC_DF_VOLUME, ICC_DF_STOPSIGNAL, ICC_DF_USER,
	ICC_DF_WORKDIR, ICC_DF_COPY, ICC_DF_ADD,
};

struct icc_df_instr {
	enum icc_df_op op;
	int line;          /* where it starts (1-based) */
	char *text;        /* "KEYWORD args" with continuations joined: history and cache */
	char *args;        /* after the keyword and the flags, trimmed */
	bool json;         /* exec form: args was a JSON array of strings, now in argv */
	char **argv;       /* the JSON form's strings */
	size_t argc;
	char *from;        /* COPY --from=, FROM's image */
	char *chown;       /* COPY/ADD --chown= */
	char *chmod;       /* COPY/ADD --chmod= */
	char *as;          /* FROM ... AS NAME */
};

struct icc_df_stage {
	size_t first, count; /* instructions of the stage (first is its FROM) */
	char *name;          /* AS name, or NULL */
};

struct icc_dockerfile {
	struct icc_df_instr *v;
	size_t n;
	size_t nglobal;      /* leading ARG instructions, before the first FROM */
	struct icc_df_stage *stages;
	size_t nstages;
};

/* Parse a Dockerfile.  Errors name the line: "line 3: unknown instruction: FORM". */
int icc_df_parse(const char *text, size_t len, struct icc_dockerfile *df, struct icc_err *err);
void icc_df_free(struct icc_dockerfile *df);
const char *icc_df_op_name(enum icc_df_op op);

/*
 * Variables in an instruction's arguments, as Docker expands them: $V, ${V},
 * ${V:-word}, ${V:+word}, quotes and backslash escapes removed.  `lookup`
 * returns a variable's value or NULL (unset: empty).  With split, unquoted
 * white space separates words (ENV/LABEL/COPY); else one word comes out.
 * Returns the number of words or -errno (an unterminated quote or ${).
 */
typedef const char *(*icc_df_lookup)(void *ctx, const char *name);
int icc_df_words(const char *in, bool split, icc_df_lookup lookup, void *ctx, char ***words,
		 struct icc_err *err);
void icc_df_words_free(char **words, int n);

/* ---- build_context.c: .dockerignore, source hashing, copying into a tree ---- */

struct icc_ignore;
/* .dockerignore's patterns (text may be NULL: nothing ignored). */
struct icc_ignore *icc_ignore_parse(const char *text, size_t len);
void icc_ignore_free(struct icc_ignore *ig);
/* Is the context path `rel` ("a/b/c", no leading slash) ignored? */
bool icc_ignore_match(const struct icc_ignore *ig, const char *rel);
/* Could something below the ignored directory `rel` be let back in by a "!" line? */
bool icc_ignore_has_exceptions(const struct icc_ignore *ig);

/*
 * One COPY/ADD source tree: `root` is the context (RESOLVE_BENEATH: nothing
 * outside it, "../x" and symlinks leading out refused) or another stage's
 * image (RESOLVE_IN_ROOT); ig filters the context.
 */
struct icc_copy_src {
	int root;
	bool context;
	const struct icc_ignore *ig;
};
struct icc_copy_opts {
	long uid, gid;     /* owner of what is copied (-1: root) */
	int mode;          /* --chmod, or -1: keep the source's */
	bool extract;      /* ADD: a local tar archive is unpacked */
};
/* The sources a COPY names: patterns matched in the source tree; NULL-terminated, sorted. */
int icc_copy_expand(const struct icc_copy_src *s, char *const *pats, size_t npats, char ***paths,
		    size_t *count, struct icc_err *err);
void icc_copy_paths_free(char **paths, size_t count);
/* sha256 of the sources' names, types, modes, contents (the cache key's part). */
int icc_copy_hash(const struct icc_copy_src *s, char *const *paths, size_t count,
		  const struct icc_copy_opts *o, char out[65], struct icc_err *err);
/* Copy the sources to DEST (absolute, in the tree `dest_root`, RESOLVE_IN_ROOT). */
int icc_copy_into(const struct icc_copy_src *s, char *const *paths, size_t count, int dest_root,
		  const char *dest, const struct icc_copy_opts *o, struct icc_err *err);
/* mkdir -p of an absolute path inside dest_root (WORKDIR). */
int icc_tree_mkdirs(int dest_root, const char *path, struct icc_err *err);

/* ---- build_cache.c: the key of a step and the images that hold one ---- */

/* sha256 of everything a step's result depends on. */
void icc_build_key(const char *parent, const char *instruction, const cJSON *args_seen,
		   const char *content, char out[65]);
/* key -> image id of the store's step images ("build": {"key"}); caller frees. */
int icc_build_cache_load(struct icc_store *st, cJSON **index, struct icc_err *err);
/*
 * icc builder prune: remove the step images no tag, container or other image
 * needs (until none is left); `removed` is told each one and its size.
 */
int icc_build_prune(struct icc_store *st, void (*removed)(void *ctx, const char *id, unsigned long long bytes),
		    void *ctx, struct icc_err *err);

/* ---- build.c: running a Dockerfile ---- */

enum icc_build_event_kind { ICC_BUILD_STEP, ICC_BUILD_CACHED, ICC_BUILD_RUNNING, ICC_BUILD_DONE };
struct icc_build_event {
	enum icc_build_event_kind kind;
	int step, total;          /* 1-based, over the stages that are built */
	const char *text;         /* STEP: the instruction */
	const char *id;           /* RUNNING: the container, DONE/CACHED: the image */
};

struct icc_build_opts {
	const char *context;      /* directory */
	const char *dockerfile;   /* path, NULL: CONTEXT/Dockerfile */
	const cJSON *build_args;  /* {"K": "V"} from --build-arg */
	bool no_cache;
	const char *target;       /* stage name or NULL: the last */
	const char *network;      /* RUN's network, NULL: icc run's default */
	const char *const *tags;  /* normalized NAME:TAG of the result */
	size_t ntags;
	int out_fd;               /* RUN's output (both streams) */
	/* An image the store lacks (FROM, COPY --from): fetch it, its id in id. */
	int (*pull)(void *ctx, const char *ref, char id[ICC_ID_LEN + 1], struct icc_err *err);
	void (*event)(void *ctx, const struct icc_build_event *ev);
	void *ctx;
};

/*
 * Build the Dockerfile: each step an image (a snapshot of the one before),
 * reused when its key matches.  A failing RUN stops the build with
 * *exit_code its status (else 125 for icc's own errors, 0 on success);
 * nothing of the failing step is published and no tag moves.
 */
int icc_build(struct icc_store *st, const struct icc_build_opts *o, char id[ICC_ID_LEN + 1],
	      int *exit_code, struct icc_err *err);

#endif
