/* cmd_exec.c - icc exec: run another process in a running container (runtime exec) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "icc/base/cleanup.h"
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
		struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
		int fd = (int)syscall(SYS_openat2, rootfd, buf, &how, sizeof(how));
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

#define EXEC_SYNOPSIS "[-i] [-t] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD..."

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"detach", no_argument, NULL, 'd'},
		{"env", required_argument, NULL, 'e'},
		{"workdir", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'},
		{"no-record", no_argument, NULL, 'X'},
		{0, 0, 0, 0},
	};
	bool tty = false, interactive = false, detach = false, record = true;
	const char *user = NULL, *wd = NULL;
	/* every -e is kept: at most one an argument */
	cleanup_free const char **envs = calloc((size_t)argc + 1, sizeof(*envs));
	if (!envs) {
		cli_errorf("exec: out of memory");
		return 125;
	}
	int nenv = 0;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+itde:w:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': interactive = true; break;
		case 't': tty = true; break;
		case 'd': detach = true; break;
		case 'e': envs[nenv++] = optarg; break;
		case 'w': wd = optarg; break;
		case 'u': user = optarg; break;
		case 'X': record = false; break;
		default:
			cli_errorf("exec: unknown option '%s'; usage: icc exec %s", argv[optind - 1], EXEC_SYNOPSIS);
			return 125;
		}
	}
	if (argc - optind < 2) {
		cli_errorf("exec: requires CONTAINER and CMD; usage: icc exec %s", EXEC_SYNOPSIS);
		return 125;
	}
	struct icc_store st;
	if (cli_open_store(&st))
		return 125;
	struct icc_err err;
	char id[ICC_ID_LEN + 1];
	cJSON *meta = NULL;
	if (icc_container_resolve(&st, argv[optind], id, &err) < 0 ||
	    icc_object_meta(&st, ICC_CONTAINER, id, &meta, &err) < 0) {
		icc_store_close(&st);
		cli_fail(&err);
		return 125;
	}
	struct icc_cstate cs;
	icc_container_state(meta, &cs);
	const char *name = icc_json_str(meta, "name");
	char cname[256], runtime[16];
	snprintf(cname, sizeof(cname), "%s", name ? name : id);
	const char *rt = icc_json_str(cJSON_GetObjectItemCaseSensitive(meta, "state"), "runtime");
	snprintf(runtime, sizeof(runtime), "%s", rt ? rt : ICC_DEFAULT_RUNTIME);
	/* the container's user and workdir unless given */
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(meta, "config");
	char cuser[256] = "", cwd[1024] = "";
	if (!user && icc_json_str(cfg, "User"))
		snprintf(cuser, sizeof(cuser), "%s", icc_json_str(cfg, "User"));
	if (!wd && icc_json_str(cfg, "WorkingDir"))
		snprintf(cwd, sizeof(cwd), "%s", icc_json_str(cfg, "WorkingDir"));
	const char *cpath = path_of(envs, nenv, cfg);
	char pathbuf[4096];
	snprintf(pathbuf, sizeof(pathbuf), "%s", cpath ? cpath : "");
	cJSON_Delete(meta);
	if (cs.status != ICC_CS_RUNNING) {
		cli_errorf("container '%s' is not running (start it with 'icc start %s')", cname, argv[optind]);
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
		bool found = command_exists(rootfd, argv[optind + 1], pathbuf);
		close(rootfd);
		if (!found) {
			cli_errorf("exec: \"%s\": executable file not found in $PATH of container '%s'",
				   argv[optind + 1], cname);
			icc_store_close(&st);
			return 127;
		}
	}
	if (!user && cuser[0])
		user = cuser;
	if (!wd && cwd[0])
		wd = cwd;
	/* exec, 3 options with values, 2 words per -e, the id, the command */
	cleanup_free const char **args = calloc(2 * (size_t)argc + 16, sizeof(*args));
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
	for (int i = 0; i < nenv; i++) {
		args[n++] = "--env";
		args[n++] = envs[i];
	}
	args[n++] = id;
	for (int i = optind + 1; i < argc; i++)
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
