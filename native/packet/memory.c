/*
 * What a finished worker thread (the config loader's, io/config-loader.ts) leaves mapped in the
 * process, handed back to the kernel: the daemon marks before it starts the thread and releases
 * after the thread has exited.
 *
 *   memoryMark() -> mark
 *       Which pages of the node binary's read-only private mappings (/proc/self/exe: its code and
 *       read-only data) are resident now, from /proc/self/pagemap. Throws with the errno's name.
 *       Only the executable's own mappings: it is never unmapped or remapped while the process
 *       runs, whereas a shared library loaded (dlopen) while the release runs could reuse a marked
 *       range and be relocated in it. The worker's pages are in the binary (docs/performance.md).
 *   memoryRelease(mark | null, done) -> undefined
 *       On a libuv pool thread: (1), with a mark, every page of those mappings that is resident
 *       now as a page of its file (pagemap bit 61) but was not at the mark, in a mapping still
 *       there with the same bounds and no write permission, is unmapped with madvise(MADV_DONTNEED); these are
 *       the pages the thread's bootstrap read (built-in module sources, its snapshot), clean,
 *       so the next access reads them again from the page cache, which keeps them. (2) glibc
 *       malloc_trim(0): the free pages of every malloc arena, the dead thread's included,
 *       returned with madvise(MADV_DONTNEED); nothing on a C library without it (musl).
 *       Then `done(droppedBytes, trimmed)` on the event loop. A pool thread because the trim
 *       takes 4-10 ms after a reload on the development VM; the event loop waits for an arena's
 *       lock only if it allocates from that arena while it is trimmed. Each mark is used once.
 */
#include "memory.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_BATCH 512

struct range {
  uintptr_t start, end;
  uint8_t *resident; /* one bit per page: resident as a file page */
};

struct mark {
  struct range *r;
  size_t n;
  int used;
};

struct release_work {
  napi_async_work work;
  napi_ref done, mark_ref;
  struct mark *mark;
  double dropped;
  int trimmed;
};

static void free_mark(struct mark *m) {
  for (size_t i = 0; i < m->n; i++) free(m->r[i].resident);
  free(m->r);
  free(m);
}

/* The node binary's read-only private mappings, bitmaps not filled. 0 on success, else an errno. */
static int read_maps(struct mark *m) {
  char exe[PATH_MAX + 16];
  ssize_t exe_len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (exe_len <= 0 || (size_t)exe_len >= sizeof exe - 1) return exe_len < 0 ? errno : ENAMETOOLONG;
  exe[exe_len] = '\0';
  FILE *f = fopen("/proc/self/maps", "re");
  if (f == NULL) return errno;
  char line[4096 + 128];
  size_t cap = 0;
  int continued = 0; /* the last fgets stopped inside a line: skip the rest of it */
  while (fgets(line, sizeof line, f) != NULL) {
    int whole = strchr(line, '\n') != NULL;
    int skip = continued;
    continued = !whole;
    if (skip) continue;
    unsigned long start, end;
    char perms[5];
    int path = 0;
    if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %*u %n", &start, &end, perms, &path) < 3 || path == 0) continue;
    /* the path runs to the line's end ("(deleted)" included, as readlink gives it) */
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line + path, exe) != 0) continue;
    if (perms[0] != 'r' || perms[1] != '-' || perms[3] != 'p') continue;
    if (m->n == cap) {
      size_t ncap = cap == 0 ? 64 : cap * 2;
      struct range *nr = realloc(m->r, ncap * sizeof *nr);
      if (nr == NULL) {
        fclose(f);
        return ENOMEM;
      }
      m->r = nr;
      cap = ncap;
    }
    m->r[m->n++] = (struct range){.start = start, .end = end, .resident = NULL};
  }
  fclose(f);
  return 0;
}

/*
 * Calls visit(range, page index, resident-as-file) for each page of `r`, from pagemap `fd`.
 * 0 on success, else an errno.
 */
typedef void (*page_visit)(struct range *r, size_t page, int resident, void *ctx);
static int scan(int fd, struct range *r, size_t page_size, page_visit visit, void *ctx) {
  uint64_t buf[PM_BATCH];
  size_t pages = (r->end - r->start) / page_size;
  for (size_t done = 0; done < pages;) {
    size_t want = pages - done < PM_BATCH ? pages - done : PM_BATCH;
    off_t at = (off_t)((r->start / page_size + done) * sizeof(uint64_t));
    ssize_t got = pread(fd, buf, want * sizeof(uint64_t), at);
    if (got <= 0) return got < 0 ? errno : EIO;
    size_t k = (size_t)got / sizeof(uint64_t);
    if (k == 0) return EIO;
    for (size_t i = 0; i < k; i++) visit(r, done + i, (buf[i] & (PM_PRESENT | PM_FILE)) == (PM_PRESENT | PM_FILE), ctx);
    done += k;
  }
  return 0;
}

static void set_bit(struct range *r, size_t page, int resident, void *ctx) {
  (void)ctx;
  if (resident) r->resident[page / 8] |= (uint8_t)(1u << (page % 8));
}

/* A run of pages to unmap, flushed when a page breaks it. */
struct dropper {
  size_t page_size, first, count;
  double dropped;
};

static void flush(struct range *r, struct dropper *d) {
  if (d->count == 0) return;
  void *at = (void *)(r->start + d->first * d->page_size);
  if (madvise(at, d->count * d->page_size, MADV_DONTNEED) == 0) d->dropped += (double)(d->count * d->page_size);
  d->count = 0;
}

/* Pages come in order, so a page new since the mark either extends the run or starts one. */
static void drop_new(struct range *r, size_t page, int resident, void *ctx) {
  struct dropper *d = ctx;
  int was = (r->resident[page / 8] >> (page % 8)) & 1;
  if (!resident || was) {
    flush(r, d);
    return;
  }
  if (d->count == 0) d->first = page;
  d->count++;
}

static void mark_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free_mark(data);
}

static napi_value js_mark(napi_env env, napi_callback_info info) {
  (void)info;
  size_t page_size = (size_t)sysconf(_SC_PAGESIZE);
  struct mark *m = calloc(1, sizeof *m);
  if (m == NULL) return throw_errno(env, "memoryMark", ENOMEM);
  int e = read_maps(m);
  int fd = e == 0 ? open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC) : -1;
  if (e == 0 && fd < 0) e = errno;
  for (size_t i = 0; e == 0 && i < m->n; i++) {
    size_t pages = (m->r[i].end - m->r[i].start) / page_size;
    m->r[i].resident = calloc((pages + 7) / 8, 1);
    e = m->r[i].resident == NULL ? ENOMEM : scan(fd, &m->r[i], page_size, set_bit, NULL);
  }
  if (fd >= 0) close(fd);
  napi_value out;
  if (e != 0 || napi_create_external(env, m, mark_finalize, NULL, &out) != napi_ok) {
    free_mark(m);
    return throw_errno(env, "memoryMark: /proc/self/pagemap", e != 0 ? e : EIO);
  }
  return out;
}

/* Pages of the marked mappings that are still there unchanged, resident now and not at the mark. */
static double drop_new_pages(struct mark *m) {
  struct mark now = {0};
  if (read_maps(&now) != 0) {
    free(now.r);
    return 0;
  }
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  struct dropper d = {.page_size = (size_t)sysconf(_SC_PAGESIZE)};
  for (size_t i = 0, j = 0; fd >= 0 && i < m->n; i++) {
    while (j < now.n && now.r[j].start < m->r[i].start) j++;
    if (j == now.n || now.r[j].start != m->r[i].start || now.r[j].end != m->r[i].end) continue;
    d.count = 0;
    scan(fd, &m->r[i], d.page_size, drop_new, &d);
    flush(&m->r[i], &d);
  }
  if (fd >= 0) close(fd);
  free(now.r);
  return d.dropped;
}

static void release_execute(napi_env env, void *data) {
  (void)env;
  struct release_work *w = data;
  w->dropped = w->mark == NULL ? 0 : drop_new_pages(w->mark);
#if defined(__GLIBC__)
  w->trimmed = malloc_trim(0);
#endif
}

static void release_complete(napi_env env, napi_status status, void *data) {
  struct release_work *w = data;
  napi_value done, global, argv[2];
  if (status == napi_ok && napi_get_reference_value(env, w->done, &done) == napi_ok && done != NULL) {
    napi_get_global(env, &global);
    napi_create_double(env, w->dropped, &argv[0]);
    napi_get_boolean(env, w->trimmed != 0, &argv[1]);
    napi_call_function(env, global, done, 2, argv, NULL);
  }
  napi_delete_reference(env, w->done);
  if (w->mark_ref != NULL) napi_delete_reference(env, w->mark_ref);
  napi_delete_async_work(env, w->work);
  free(w);
}

static napi_value js_release(napi_env env, napi_callback_info info) {
  napi_value argv[2], name;
  napi_valuetype t0, t1;
  void *m = NULL;
  if (!get_args(env, info, 2, argv)) return NULL;
  if (napi_typeof(env, argv[0], &t0) != napi_ok || (t0 != napi_null && (t0 != napi_external || napi_get_value_external(env, argv[0], &m) != napi_ok || m == NULL))) {
    napi_throw_type_error(env, "EINVAL", "mark must come from memoryMark(), or be null");
    return NULL;
  }
  if (napi_typeof(env, argv[1], &t1) != napi_ok || t1 != napi_function) {
    napi_throw_type_error(env, "EINVAL", "done must be a function");
    return NULL;
  }
  if (m != NULL && ((struct mark *)m)->used) {
    napi_throw_error(env, "EINVAL", "memoryRelease: this mark was already released");
    return NULL;
  }
  struct release_work *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, "memoryRelease", ENOMEM);
  w->mark = m;
  napi_create_string_utf8(env, "vrrpd:memoryRelease", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[1], 1, &w->done) != napi_ok || (m != NULL && napi_create_reference(env, argv[0], 1, &w->mark_ref) != napi_ok) ||
      napi_create_async_work(env, NULL, name, release_execute, release_complete, w, &w->work) != napi_ok || napi_queue_async_work(env, w->work) != napi_ok) {
    if (w->work != NULL) napi_delete_async_work(env, w->work);
    if (w->done != NULL) napi_delete_reference(env, w->done);
    if (w->mark_ref != NULL) napi_delete_reference(env, w->mark_ref);
    free(w);
    return throw_errno(env, "memoryRelease: queueing the work", EIO);
  }
  if (m != NULL) ((struct mark *)m)->used = 1;
  return NULL;
}

void vrrpd_memory_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"memoryMark", NULL, js_mark, NULL, NULL, NULL, napi_enumerable, NULL},
    {"memoryRelease", NULL, js_release, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
