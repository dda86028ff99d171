/* cmd_exec.c - icc exec: run another process in a running container (runtime exec) */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/base/cleanup.h"
#include "icc/base/util.h"
#include "icc/store/object.h"
#include "icc/runtime/runtime.h"

/*
 * Is `cmd` an executable file in the container?  Looked up inside the
 * container's rootfs with RESOLVE_IN_ROOT, so the container's symlinks can
 * never lead the host outside it.  Bare names are searched in `path`.
 */
static bool command_exists(int rootfd, const char *cmd, const char *path)
{
	char buf[4096];
	const char *p = path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	bool bare = !strchr(cmd, '/');
	for (;;) {
		size_t n = strcspn(p, ":");
		if (bare)
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, cmd);
		else
			snprintf(buf, sizeof(buf), "%s", cmd);
		int fd = icc_openat2(rootfd, buf, O_PATH, RESOLVE_IN_ROOT);
		if (fd >= 0) {
			struct stat sb;
			bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0111);
			close(fd);
			if (ok)
				return true;
		} else if (errno == ENOSYS) {
			return true; /* old kernel: let the runtime say it */
		}
		if (!bare || !p[n])
			return false;
		p += n + 1;
	}
}

/* PATH=... from -e options, else from the container's Env. */
static const char *path_of(const char **envs, int nenv, const cJSON *cfg)
{
	for (int i = nenv - 1; i >= 0; i--)
		if (!strncmp(envs[i], "PATH=", 5))
			return envs[i] + 5;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cfg, "Env"))
		if (cJSON_IsString(e) && !strncmp(e->valuestring, "PATH=", 5))
			return e->valuestring + 5;
	return NULL;
}

/*
 * The container's own environment: config.json's process.env, or the
 * recorded config's Env when that is unreadable (NULL: none).  Docker's
 * exec adds -e to it; crun's exec --env replaces it instead, so icc passes
 * both, the container's first (the later value of a name wins).
 */
static cJSON *container_env(struct icc_store *st, const char *id, const cJSON *cfg)
{
	struct icc_err e;
	cJSON *doc = NULL, *env = NULL;
	int dfd = icc_object_dirfd(st, ICC_CONTAINER, id, &e);
	if (dfd >= 0 && icc_json_read(dfd, "bundle/config.json", &doc, &e) == 0)
		env = cJSON_DetachItemFromObjectCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(doc, "process"), "env");
	if (dfd >= 0)
		close(dfd);
	cJSON_Delete(doc);
	return env ? env : cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cfg, "Env"), true);
}

/* Docker's exec: every error of icc's own exits 125, also one opening the store */
int cmd_exec(struct cli_ctx *ctx)
{
	int argc = ctx->argc;
	char **argv = ctx->argv;
	bool tty = cli_has(ctx, "tty"), interactive = cli_has(ctx, "interactive"), detach = cli_has(ctx, "detach"),
	     record = !cli_has(ctx, "no-record");
	const char *user = cli_value(ctx, "user", NULL), *wd = cli_value(ctx, "workdir", NULL);
	/* every -e is kept */
	int nenv = 0;
	while (cli_nth(ctx, "env", (size_t)nenv))
		nenv++;
	cleanup_free const char **envs = calloc((size_t)nenv + 1, sizeof(*envs));
	if (!envs) {
		cli_errorf("exec: out of memory");
		return 125;
	}
	for (int i = 0; i < nenv; i++)
		envs[i] = cli_nth(ctx, "env", (size_t)i);
	struct icc_store st;
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	cJSON *meta;
	if (cli_open_container(&st, argv[0], id, &meta))
		return 125;
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	const char *name = icc_json_str(meta, "name");
	char cname[256], runtime[16];
	snprintf(cname, sizeof(cname), "%s", name ? name : id);
	const char *rt = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "state"), "runtime");
	snprintf(runtime, sizeof(runtime), "%s", rt ? rt : ICC_LEGACY_RUNTIME);
	/* the container's user and workdir unless given */
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
	char cuser[256] = "", cwd[1024] = "";
	if (!user && icc_json_str(cfg, "User"))
		snprintf(cuser, sizeof(cuser), "%s", icc_json_str(cfg, "User"));
	if (!wd && icc_json_str(cfg, "WorkingDir"))
		snprintf(cwd, sizeof(cwd), "%s", icc_json_str(cfg, "WorkingDir"));
	/* crun's exec does not take it from the container's config (runc's does) */
	bool no_new_privs = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cfg, "NoNewPrivileges"));
	cleanup_json cJSON *cenv = nenv ? container_env(&st, id, cfg) : NULL;
	const char *cpath = path_of(envs, nenv, cfg);
	char pathbuf[4096];
	snprintf(pathbuf, sizeof(pathbuf), "%s", cpath ? cpath : "");
	cJSON_Delete(meta);
	if (cs.status != ICC_CS_RUNNING) {
		cli_errorf("container '%s' is not running (start it with 'icc start %s')", cname, argv[0]);
		icc_store_close(&st);
		return 125;
	}
	if (icc_runtime_check(runtime, &err) < 0) {
		icc_store_close(&st);
		cli_fail(&err);
		return 125;
	}
	int rootfd = icc_object_rootfs_fd(&st, ICC_CONTAINER, id, &err);
	if (rootfd >= 0) {
		bool found = command_exists(rootfd, argv[1], pathbuf);
		close(rootfd);
		if (!found) {
			cli_errorf("exec: \"%s\": executable file not found in $PATH of container '%s'",
				   argv[1], cname);
			icc_store_close(&st);
			return 127;
		}
	}
	if (!user && cuser[0])
		user = cuser;
	if (!wd && cwd[0])
		wd = cwd;
	size_t ncenv = (size_t)cJSON_GetArraySize(cenv);
	/* exec, up to 5 options (2 with values), 2 words per variable, the id, the command */
	cleanup_free const char **args =
		calloc(2 * ((size_t)nenv + ncenv) + (size_t)argc + 16, sizeof(*args));
	char ubuf[64];
	if (!args) {
		icc_store_close(&st);
		cli_errorf("exec: out of memory");
		return 125;
	}
	int n = 0;
	args[n++] = "exec";
	/* a terminal: icc relays it (the #save watcher), the runtime gets the rest */
	bool relay = tty && isatty(0) && !detach;
	if (tty && isatty(0) && !relay)
		args[n++] = "--tty";
	if (detach)
		args[n++] = "--detach";
	if (no_new_privs)
		args[n++] = "--no-new-privs";
	if (wd) {
		args[n++] = "--cwd";
		args[n++] = wd;
	}
	if (user) {
		long uid, gid;
		if (icc_runtime_user(&st, id, user, &uid, &gid, &err) < 0) {
			icc_store_close(&st);
			cli_fail(&err);
			return 125;
		}
		snprintf(ubuf, sizeof(ubuf), "%ld:%ld", uid, gid);
		args[n++] = "--user";
		args[n++] = ubuf;
	}
	const cJSON *v;
	cJSON_ArrayForEach(v, cenv)
		if (cJSON_IsString(v)) {
			args[n++] = "--env";
			args[n++] = v->valuestring;
		}
	for (int i = 0; i < nenv; i++) {
		args[n++] = "--env";
		args[n++] = envs[i];
	}
	args[n++] = id;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (relay) {
		int code;
		int rr = icc_exec_tty(&st, runtime, id, args + 1, record, &code, &err);
		icc_store_close(&st);
		if (rr < 0) {
			cli_fail(&err);
			return code;
		}
		return code;
	}
	/* the runtime's stderr is the process's stderr: errors of its own are
	 * told apart by the exit status 255 and its log format */
	char errbuf[4096] = "";
	int in = interactive || tty ? 0 : -1;
	int rc = icc_runtime_cmd(&st, runtime, args, in, 1, detach ? -1 : 2, detach ? errbuf : NULL,
				 sizeof(errbuf), &err);
	icc_store_close(&st);
	if (rc < 0) {
		cli_fail(&err);
		return 125;
	}
	return rc;
}

int cmd_exec_check(struct cli_ctx *ctx)
{
	return ctx->argc < 2 ? cli_usage_why(ctx->cmd, "requires CONTAINER and CMD") : 0;
}

const struct cli_opt cmd_exec_opts[] = {
	{'i', "interactive", NULL, "keep stdin open"},
	{'t', "tty", NULL, "allocate a terminal"},
	{0, "no-record", NULL, "do not record the commands typed at an -it shell (icc dockerfile)"},
	{'d', "detach", NULL, "run in the background"},
	{'e', "env", "K=V", "environment variable"},
	{'w', "workdir", "DIR", "working directory"},
	{'u', "user", "USER", "user[:group] or uid[:gid]"},
	{0},
};
