/* session.c - record the commands typed at a container's shell prompt (session.h) */
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icc/console/session.h"
#include "icc/base/util.h"

#define MAX_ENTRIES 10000

bool icc_session_command(const char *screen, char *out, size_t size)
{
	const char *p = NULL;
	for (const char *s = screen; *s && !p; s++)
		if (strchr("$#>%", *s) && s[1] == ' ')
			p = s + 2;
	if (!p)
		return false;
	while (*p == ' ')
		p++;
	size_t n = strlen(p);
	while (n && p[n - 1] == ' ')
		n--;
	if (!n || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* In a nested pid namespace?  The kernel delivers process events only to
 * listeners in the initial one (and with its pids, not ours).  The initial
 * pid namespace has a fixed inode number (PROC_PID_INIT_INO); NSpid in
 * /proc/self/status cannot tell, as it counts from /proc's own namespace. */
static bool pid_ns_nested(void)
{
	struct stat sb;
	return stat("/proc/self/ns/pid", &sb) == 0 && sb.st_ino != 0xEFFFFFFCu;
}

/* Listen to the kernel's process events (exits, with their parents); -1 when not allowed. */
static int connector_open(void)
{
	if (pid_ns_nested())
		return -1;
	int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) msg;
	memset(&msg, 0, sizeof(msg));
	msg.nl.nlmsg_len = sizeof(msg);
	msg.nl.nlmsg_type = NLMSG_DONE;
	msg.nl.nlmsg_pid = (unsigned)getpid();
	msg.cn.id.idx = CN_IDX_PROC;
	msg.cn.id.val = CN_VAL_PROC;
	msg.cn.len = sizeof(enum proc_cn_mcast_op);
	msg.op = PROC_CN_MCAST_LISTEN;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || send(fd, &msg, sizeof(msg), 0) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void persist(struct icc_session *s)
{
	struct icc_err e;
	if (s->dirfd < 0)
		return;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(doc, "commands", s->entries);
	icc_json_write(s->dirfd, "commands.json", doc, &e);
	cJSON_Delete(doc);
}

void icc_session_open(struct icc_session *s, int container_dirfd)
{
	memset(s, 0, sizeof(*s));
	s->dirfd = container_dirfd >= 0 ? fcntl(container_dirfd, F_DUPFD_CLOEXEC, 3) : -1;
	s->nl = connector_open();
	/* what an earlier run recorded and no save took yet */
	cJSON *old = NULL;
	struct icc_err e;
	cJSON *list = s->dirfd >= 0 && icc_json_read(s->dirfd, "commands.json", &old, &e) == 0
		? cJSON_DetachItemFromObjectCaseSensitive(old, "commands") : NULL;
	cJSON_Delete(old);
	if (cJSON_IsArray(list)) {
		s->entries = list;
	} else {
		cJSON_Delete(list);
		s->entries = cJSON_CreateArray();
	}
}

void icc_session_close(struct icc_session *s)
{
	if (s->nl >= 0)
		close(s->nl);
	if (s->dirfd >= 0)
		close(s->dirfd);
	cJSON_Delete(s->entries);
	memset(s, 0, sizeof(*s));
	s->nl = s->dirfd = -1;
}

void icc_session_line(struct icc_session *s, const char *screen, pid_t shell)
{
	char cmd[4096];
	if (!s->entries || !icc_session_command(screen, cmd, sizeof(cmd)) ||
	    cJSON_GetArraySize(s->entries) >= MAX_ENTRIES)
		return;
	char link[64], cwd[4096];
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)shell);
	ssize_t n = readlink(link, cwd, sizeof(cwd) - 1);
	cwd[n > 0 ? n : 0] = '\0';
	char now[64];
	icc_time_format(icc_now_ns(), now, sizeof(now));
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "cmd", cmd);
	cJSON_AddStringToObject(e, "cwd", n > 0 ? cwd : "");
	cJSON_AddNullToObject(e, "status");
	cJSON_AddStringToObject(e, "time", now);
	cJSON_AddItemToArray(s->entries, e);
	s->current = e;
	s->shell = shell;
	persist(s);
}

void icc_session_events(struct icc_session *s)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool changed = false;
	ssize_t len;
	while (s->nl >= 0 && (len = recv(s->nl, buf, sizeof(buf), 0)) > 0) {
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct cn_msg *cn = NLMSG_DATA(nh);
			/* the event sits 4-byte aligned after cn_msg: copy it out rather
			 * than read its 8-byte fields in place (undefined behaviour) */
			size_t payload = NLMSG_PAYLOAD(nh, 0);
			if (payload < sizeof(*cn))
				continue;
			struct proc_event ev;
			memset(&ev, 0, sizeof(ev));
			size_t have = payload - sizeof(*cn);
			memcpy(&ev, cn->data, have < sizeof(ev) ? have : sizeof(ev));
			if (ev.what != PROC_EVENT_EXIT || !s->current || s->shell <= 0)
				continue;
			if (ev.event_data.exit.process_pid != ev.event_data.exit.process_tgid ||
			    (pid_t)ev.event_data.exit.parent_tgid != s->shell)
				continue;
			/* exit_code is the wait status */
			int st = (int)ev.event_data.exit.exit_code;
			int code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
			cJSON_ReplaceItemInObjectCaseSensitive(s->current, "status", cJSON_CreateNumber(code));
			changed = true;
		}
	}
	if (changed)
		persist(s);
}

const cJSON *icc_session_pending(const struct icc_session *s)
{
	return s->entries;
}

void icc_session_saved(struct icc_session *s)
{
	cJSON_Delete(s->entries);
	s->entries = cJSON_CreateArray();
	s->current = NULL;
	persist(s);
}
