/* course.c - see course.h. A lesson is its folder: the folder's name gives
 * its id and slug, its header (slug.h) its API, and lesson.json only what
 * cannot be derived (title, points, limits, rules). Anything in lesson.json
 * that is unknown or disagrees with the folder is an error at load, so a
 * typo cannot silently change how a lesson is graded. */
#include "course.h"
#include "header_api.h"
#include "util.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const category_names[NCAT] = { "functional", "race", "deadlock", "ordering", "timing" };

int category_from_name(const char *name)
{
    for (int i = 0; i < NCAT; i++)
        if (strcmp(name, category_names[i]) == 0)
            return i;
    return -1;
}

static int cmp_lessons(const void *a, const void *b)
{
    return strcmp(((const lesson *)a)->id, ((const lesson *)b)->id);
}

static char **string_list(json_t *arr, size_t *n)
{
    *n = json_is_array(arr) ? json_array_size(arr) : 0;
    char **out = xcalloc(*n + 1, sizeof *out);
    for (size_t i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        out[i] = xstrdup(s ? s : "");
    }
    return out;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static int cmp_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys lesson.json may hold. `id` and `api` are optional checks: the
 * folder and the header say them already, and must agree. `why` is a note
 * for the course's maintainers (JSON has no comments): why a setting is
 * what it is (e.g. "tsan": false); the grader only checks it is a string. */
static const char *const lesson_keys[] = { "title", "points", "test_timeout_ms",
                                           "compile_timeout_ms", "forbidden", "tsan_ignore",
                                           "network", "tsan", "id", "api", "why", NULL };

static bool known_key(const char *key)
{
    for (const char *const *k = lesson_keys; *k; k++)
        if (strcmp(*k, key) == 0)
            return true;
    return false;
}

/* The lesson's API from its header; when lesson.json still lists `api`, the
 * two must name the same functions. */
static int load_api(lesson *l, json_t *listed, char *err, size_t errlen)
{
    char *hdr = xasprintf("%s/%s.h", l->dir, l->slug);
    char *text = read_file(hdr, 1u << 20, NULL);
    if (!text) {
        snprintf(err, errlen, "%s: cannot read the lesson's header (it gives the API)", hdr);
        free(hdr);
        return -1;
    }
    int rc = header_api(text, &l->api, &l->napi);
    free(text);
    if (rc != 0) {
        snprintf(err, errlen, "%s: out of memory", hdr);
        free(hdr);
        return -1;
    }
    if (l->napi == 0) {
        snprintf(err, errlen, "%s declares no function: a lesson's API is the prototypes of "
                              "its header", hdr);
        free(hdr);
        return -1;
    }
    if (listed) {
        size_t nlisted;
        char **list = string_list(listed, &nlisted);
        char **mine = xcalloc(l->napi, sizeof *mine);
        memcpy(mine, l->api, l->napi * sizeof *mine);
        qsort(list, nlisted, sizeof *list, cmp_strings);
        qsort(mine, l->napi, sizeof *mine, cmp_strings);
        bool same = json_is_array(listed) && nlisted == l->napi;
        for (size_t i = 0; same && i < nlisted; i++)
            same = strcmp(list[i], mine[i]) == 0;
        if (!same) {
            char *names = xstrdup("");
            for (size_t i = 0; i < l->napi; i++) {
                char *more = xasprintf("%s%s%s", names, i ? " " : "", l->api[i]);
                free(names);
                names = more;
            }
            snprintf(err, errlen, "%s/lesson.json: \"api\" disagrees with %s, which declares "
                                  "[%s]; delete \"api\" (the header is the API)",
                     l->dir, hdr, names);
            free(names);
            rc = -1;
        }
        free(mine);
        free_list(list, nlisted);
    }
    free(hdr);
    return rc;
}

/* Points per category: every key a known category, every value a number >= 0. */
static int load_points(lesson *l, json_t *pts, char *err, size_t errlen)
{
    if (!json_is_object(pts) || json_object_size(pts) == 0) {
        snprintf(err, errlen, "%s/lesson.json: \"points\" must be an object of category: points",
                 l->dir);
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(pts, key, val) {
        int c = category_from_name(key);
        if (c < 0) {
            snprintf(err, errlen, "%s/lesson.json: unknown category \"%s\" in \"points\" (the "
                                  "categories: functional, race, deadlock, ordering, timing)",
                     l->dir, key);
            return -1;
        }
        if (!json_is_number(val) || json_number_value(val) < 0) {
            snprintf(err, errlen, "%s/lesson.json: points for \"%s\" must be a number >= 0",
                     l->dir, key);
            return -1;
        }
        l->points[c] = json_number_value(val);
    }
    return 0;
}

static int load_lesson(lesson *l, const char *root, const char *id, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    l->id = xstrdup(id);
    l->slug = xstrdup(id + 3);
    l->dir = xasprintf("%s/exercises/%s", root, id);
    char *meta = xasprintf("%s/lesson.json", l->dir);
    json_error_t jerr;
    json_t *j = json_load_file(meta, 0, &jerr);
    if (!j) {
        snprintf(err, errlen, "%s:%d: %s", meta, jerr.line, jerr.text);
        free(meta);
        return -1;
    }
    free(meta);
    int rc = -1;
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val) {
        if (!known_key(key)) {
            snprintf(err, errlen, "%s/lesson.json: unknown field \"%s\"", l->dir, key);
            goto out;
        }
    }
    if (json_object_get(j, "why") && !json_is_string(json_object_get(j, "why"))) {
        snprintf(err, errlen, "%s/lesson.json: \"why\" must be a string (a note for the "
                              "course's maintainers)", l->dir);
        goto out;
    }
    const char *jid = json_string_value(json_object_get(j, "id"));
    if (json_object_get(j, "id") && (!jid || strcmp(jid, id) != 0)) {
        snprintf(err, errlen, "%s/lesson.json: \"id\" is \"%s\" but the folder is %s; delete "
                              "\"id\" (the folder's name is the lesson's id)",
                 l->dir, jid ? jid : "?", id);
        goto out;
    }
    const char *title = json_string_value(json_object_get(j, "title"));
    l->title = xstrdup(title ? title : id);
    if (load_points(l, json_object_get(j, "points"), err, errlen) != 0 ||
        load_api(l, json_object_get(j, "api"), err, errlen) != 0)
        goto out;
    json_t *t = json_object_get(j, "test_timeout_ms");
    l->test_timeout_ms = json_is_integer(t) ? (unsigned)json_integer_value(t) : 10000;
    t = json_object_get(j, "compile_timeout_ms");
    l->compile_timeout_ms = json_is_integer(t) ? (unsigned)json_integer_value(t) : 60000;
    l->forbidden = string_list(json_object_get(j, "forbidden"), &l->nforbidden);
    l->tsan_ignore = string_list(json_object_get(j, "tsan_ignore"), &l->ntsan_ignore);
    l->network = json_is_true(json_object_get(j, "network"));
    l->tsan = !json_is_false(json_object_get(j, "tsan"));
    l->public_tests = xasprintf("%s/test_public.c", l->dir);
    l->remote = xasprintf("%s/test_remote.c", l->dir);
    char *hidden = xasprintf("%s/tests/lessons/%s/test_hidden.c", root, id);
    if (is_file(hidden))
        l->hidden_tests = hidden;
    else
        free(hidden);
    rc = 0;
out:
    json_decref(j);
    return rc;
}

static void free_lesson(lesson *l)
{
    free(l->id);
    free(l->slug);
    free(l->title);
    free(l->dir);
    free(l->public_tests);
    free(l->hidden_tests);
    free(l->remote);
    free_list(l->api, l->napi);
    free_list(l->forbidden, l->nforbidden);
    free_list(l->tsan_ignore, l->ntsan_ignore);
}

static bool is_lesson_name(const char *name)
{
    return name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' &&
           name[2] == '-' && name[3];
}

int course_load(course *c, const char *root, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->root = xstrdup(root);
    char *ex = xasprintf("%s/exercises", root);
    DIR *d = opendir(ex);
    if (!d) {
        snprintf(err, errlen, "no exercises/ folder in %s", root);
        free(ex);
        return -1;
    }
    size_t cap = 32;
    c->lessons = xcalloc(cap, sizeof *c->lessons);
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!is_lesson_name(e->d_name))
            continue;
        char *meta = xasprintf("%s/%s/lesson.json", ex, e->d_name);
        bool has_meta = is_file(meta);
        free(meta);
        if (!has_meta)
            continue;
        if (c->nlessons == cap) {
            cap *= 2;
            c->lessons = realloc(c->lessons, cap * sizeof *c->lessons);
            if (!c->lessons) {
                rc = -1;
                break;
            }
        }
        if (load_lesson(&c->lessons[c->nlessons], root, e->d_name, err, errlen) != 0) {
            free_lesson(&c->lessons[c->nlessons]);
            rc = -1;
            break;
        }
        c->nlessons++;
    }
    closedir(d);
    free(ex);
    if (rc == 0)
        qsort(c->lessons, c->nlessons, sizeof *c->lessons, cmp_lessons);
    return rc;
}

void course_free(course *c)
{
    for (size_t i = 0; i < c->nlessons; i++)
        free_lesson(&c->lessons[i]);
    free(c->lessons);
    free(c->root);
    memset(c, 0, sizeof *c);
}

const lesson *course_find(const course *c, const char *name)
{
    for (size_t i = 0; i < c->nlessons; i++)
        if (strcmp(c->lessons[i].id, name) == 0 || strcmp(c->lessons[i].slug, name) == 0)
            return &c->lessons[i];
    return NULL;
}

char *submission_file(const char *dir, const lesson *l)
{
    char *p = xasprintf("%s/%s/%s.c", dir, l->id, l->slug);
    if (is_file(p))
        return p;
    free(p);
    p = xasprintf("%s/%s.c", dir, l->slug);
    if (is_file(p))
        return p;
    free(p);
    return NULL;
}

char *course_default_root(void)
{
    const char *env = getenv("GRADER_COURSE");
    if (env && *env)
        return xstrdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return xstrdup(".");
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return xstrdup(".");
        *slash = '\0';
    }
    return xstrdup(exe[0] ? exe : "/");
}

int course_open(course *c, const char *root_opt, const char *const *lessons, size_t nlessons)
{
    char *root = root_opt ? xstrdup(root_opt) : course_default_root();
    char err[512];
    int rc = course_load(c, root, err, sizeof err);
    free(root);
    if (rc != 0) {
        fprintf(stderr, "grader: %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < nlessons; i++) {
        if (!course_find(c, lessons[i])) {
            fprintf(stderr, "grader: no lesson '%s' in this course\n", lessons[i]);
            course_free(c);
            return 2;
        }
    }
    return 0;
}
