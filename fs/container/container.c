/* container.c - create containers and name them */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "icc/container/container.h"
#include "icc/container/exclude.h"
#include "icc/image/image.h"
#include "icc/store/object.h"
#include "icc/store/ref.h"

static const char *const adjectives[] = {
	"admiring", "adoring", "agitated", "amazing", "angry", "awesome", "blissful",
	"bold", "boring", "brave", "busy", "charming", "clever", "cool", "compassionate",
	"competent", "confident", "crazy", "dazzling", "determined", "dreamy", "eager",
	"ecstatic", "elastic", "elated", "elegant", "epic", "fervent", "festive",
	"flamboyant", "focused", "friendly", "frosty", "gallant", "gifted", "goofy",
	"gracious", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible",
	"inspiring", "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid",
	"magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice",
	"nifty", "nostalgic", "objective", "optimistic", "peaceful", "pedantic",
	"pensive", "practical", "priceless", "quirky", "quizzical", "relaxed",
	"reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic",
	"strange", "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting",
	"unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly",
	"wonderful", "xenodochial", "youthful", "zealous", "zen",
};

static const char *const surnames[] = {
	"albattani", "allen", "almeida", "archimedes", "ardinghelli", "babbage",
	"banach", "bardeen", "bartik", "bassi", "bell", "benz", "bhabha", "black",
	"blackwell", "bohr", "booth", "borg", "bose", "boyd", "brahmagupta", "brown",
	"cannon", "carson", "cerf", "chandrasekhar", "chaplygin", "clarke", "cohen",
	"colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dubinsky",
	"easley", "einstein", "elion", "engelbart", "euclid", "euler", "fermat",
	"fermi", "feynman", "franklin", "galileo", "gates", "goldberg", "goldstine",
	"golick", "goodall", "hamilton", "hawking", "heisenberg", "hermann", "hertz",
	"hodgkin", "hoover", "hopper", "hugle", "hypatia", "jackson", "jang",
	"jennings", "jepsen", "johnson", "joliot", "jones", "kalam", "kapitsa", "keller",
	"kepler", "khorana", "kilby", "kirch", "knuth", "kowalevski", "lalande",
	"lamarr", "lamport", "leakey", "leavitt", "lewin", "lichterman", "liskov",
	"lovelace", "lumiere", "mahavira", "mayer", "mccarthy", "mcclintock",
	"mclean", "meitner", "mendel", "merkle", "minsky", "mirzakhani", "morse",
	"murdock", "napier", "newton", "nobel", "noether", "northcutt", "noyce",
	"panini", "pare", "pascal", "pasteur", "payne", "perlman", "pike", "poincare",
	"poitras", "ptolemy", "raman", "ramanujan", "ride", "ritchie", "roentgen",
	"rosalind", "saha", "sammet", "shannon", "shaw", "shirley", "shockley",
	"sinoussi", "snyder", "spence", "stallman", "stonebraker", "swanson",
	"swartz", "swirles", "tesla", "thompson", "torvalds", "turing", "varahamihira",
	"visvesvaraya", "volhard", "wescoff", "wiles", "williams", "wilson", "wing",
	"wozniak", "wright", "yalow", "yonath",
};

void icc_container_autoname(char *buf, size_t size)
{
	unsigned int rnd[2] = {0, 0};
	if (getrandom(rnd, sizeof(rnd), 0) < 0) {
		rnd[0] = (unsigned)getpid();
		rnd[1] = (unsigned)time(NULL);
	}
	snprintf(buf, size, "%s_%s",
		 adjectives[rnd[0] % (sizeof(adjectives) / sizeof(adjectives[0]))],
		 surnames[rnd[1] % (sizeof(surnames) / sizeof(surnames[0]))]);
}

bool icc_container_name_taken(struct icc_store *st, const char *name)
{
	char id[ICC_ID_LEN + 1];
	struct icc_err e;
	if (icc_container_resolve(st, name, id, &e) < 0)
		return false;
	/* resolve also matches id prefixes; only a real name counts here */
	cJSON *meta;
	if (icc_object_meta(st, ICC_CONTAINER, id, &meta, &e) < 0)
		return false;
	const char *n = icc_json_str(meta, "name");
	bool taken = n && !strcmp(n, name);
	cJSON_Delete(meta);
	return taken;
}

const char *icc_container_snapdir(struct icc_store *st, const char *id, char *buf, size_t size)
{
	return icc_object_path(st, ICC_CONTAINER, id, "snapshots", buf, size);
}

/*
 * Container config: the image's config with `over`'s members (the operator's
 * command line) replacing it.  Of the image only the whitelisted members count,
 * so an image stored before that rule cannot bring mounts or a network either.
 */
static cJSON *merged_config(const cJSON *image_meta, const cJSON *over)
{
	cJSON *c = icc_config_sanitize(cJSON_GetObjectItemCaseSensitive(image_meta, "config"));
	const cJSON *it;
	cJSON_ArrayForEach(it, over) {
		if (!strcmp(it->string, "Exclude") && cJSON_IsArray(it)) {
			/* --exclude adds to the image's list */
			cJSON *ex = cJSON_GetObjectItemCaseSensitive(c, "Exclude");
			if (!cJSON_IsArray(ex))
				ex = cJSON_AddArrayToObject(c, "Exclude");
			const cJSON *e;
			struct icc_err ignored; /* validated by the caller */
			cJSON_ArrayForEach(e, it)
				if (cJSON_IsString(e))
					icc_exclude_add(ex, e->valuestring, &ignored);
			continue;
		}
		if (!strcmp(it->string, "Env") && cJSON_IsArray(it)) {
			/* Env adds to (and overrides keys of) the image's Env */
			cJSON *env = cJSON_GetObjectItemCaseSensitive(c, "Env");
			if (!cJSON_IsArray(env)) {
				env = cJSON_AddArrayToObject(c, "Env");
			}
			const cJSON *e;
			cJSON_ArrayForEach(e, it) {
				if (!cJSON_IsString(e))
					continue;
				size_t klen = strcspn(e->valuestring, "=");
				cJSON *old = env->child;
				while (old) {
					cJSON *next = old->next;
					if (cJSON_IsString(old) && !strncmp(old->valuestring, e->valuestring, klen) &&
					    old->valuestring[klen] == '=')
						cJSON_Delete(cJSON_DetachItemViaPointer(env, old));
					old = next;
				}
				cJSON_AddItemToArray(env, cJSON_CreateString(e->valuestring));
			}
			continue;
		}
		if (!strcmp(it->string, "Labels") && cJSON_IsObject(it)) {
			/* --label adds to (and overrides keys of) the image's labels, as Docker */
			cJSON *labels = cJSON_GetObjectItemCaseSensitive(c, "Labels");
			if (!cJSON_IsObject(labels))
				labels = cJSON_AddObjectToObject(c, "Labels");
			const cJSON *l;
			cJSON_ArrayForEach(l, it) {
				cJSON_DeleteItemFromObjectCaseSensitive(labels, l->string);
				cJSON_AddItemToObject(labels, l->string, cJSON_Duplicate(l, true));
			}
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(c, it->string);
		cJSON_AddItemToObject(c, it->string, cJSON_Duplicate(it, true));
	}
	return c;
}

/* The excluded paths (config's Exclude and the image tree's /.icc/exclude) as subvolumes. */
static int make_excludes(struct icc_stage *sg, int image_fd, cJSON *cfg, struct icc_err *err)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(cfg, "Exclude");
	cJSON *from_file = cJSON_CreateArray();
	int r = from_file ? icc_exclude_file_read(image_fd, from_file, err) : -ENOMEM;
	if (r == 0 && cJSON_GetArraySize(from_file) > 0) {
		if (!cJSON_IsArray(list))
			list = cJSON_AddArrayToObject(cfg, "Exclude");
		const cJSON *e;
		cJSON_ArrayForEach(e, from_file)
			if (r == 0)
				r = icc_exclude_add(list, e->valuestring, err);
	}
	cJSON_Delete(from_file);
	if (r < 0 || !cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		return r;
	int rfd = openat(sg->dirfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return icc_err_sys(err, errno, "the new container's tree");
	r = icc_excludes_make(rfd, list, err);
	close(rfd);
	return r;
}

int icc_container_create(struct icc_store *st, const char *image_id, const char *image_ref,
			 const char *name, const cJSON *config,
			 char id[ICC_ID_LEN + 1], struct icc_err *err)
{
	if (name && !icc_container_name_valid(name))
		return icc_err_set(err, EINVAL,
				   "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-]+ are allowed", name);
	cJSON *image_meta;
	int r = icc_object_meta(st, ICC_IMAGE, image_id, &image_meta, err);
	if (r < 0)
		return r;
	int src = icc_object_rootfs_fd(st, ICC_IMAGE, image_id, err);
	if (src < 0) {
		cJSON_Delete(image_meta);
		return src;
	}
	cJSON *cfg = merged_config(image_meta, config);
	struct icc_stage sg;
	r = icc_stage_begin(st, &sg, err);
	if (r == 0)
		r = icc_stage_rootfs_snapshot(&sg, src, err);
	if (r == 0)
		r = make_excludes(&sg, src, cfg, err);
	close(src);
	if (r == 0 && mkdirat(sg.dirfd, "snapshots", 0700) < 0)
		r = icc_err_sys(err, errno, "cannot create the snapshot directory");

	cJSON *meta = cJSON_CreateObject();
	char created[64];
	icc_time_format(icc_now_ns(), created, sizeof(created));
	cJSON_AddStringToObject(meta, "created", created);
	cJSON_AddStringToObject(meta, "image", image_id);
	cJSON_AddStringToObject(meta, "image_ref", image_ref ? image_ref : image_id);
	cJSON_AddItemToObject(meta, "config", cfg);
	cJSON *state = cJSON_AddObjectToObject(meta, "state");
	cJSON_AddStringToObject(state, "status", "created");
	cJSON_Delete(image_meta);

	if (r == 0)
		r = icc_store_lock(st, err);
	if (r == 0) {
		char autoname[128];
		if (!name) {
			for (int i = 0; i < 100; i++) {
				icc_container_autoname(autoname, sizeof(autoname));
				if (!icc_container_name_taken(st, autoname))
					break;
			}
			name = autoname;
		}
		if (icc_container_name_taken(st, name))
			r = icc_err_set(err, EEXIST, "container name '%s' is already in use", name);
		else if (!icc_object_exists(st, ICC_IMAGE, image_id))
			r = icc_err_set(err, ENOENT, "image %.12s was removed meanwhile", image_id);
		if (r == 0) {
			cJSON_AddStringToObject(meta, "name", name);
			r = icc_stage_publish(st, &sg, ICC_CONTAINER, meta, err);
		}
		icc_store_unlock(st);
	}
	if (r < 0)
		icc_stage_abort(st, &sg);
	else
		memcpy(id, sg.id, ICC_ID_LEN + 1);
	cJSON_Delete(meta);
	return r;
}
