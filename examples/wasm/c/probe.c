/*
 * probe — a WebAssembly action module that misbehaves on purpose and
 * reports what the host gives it, for jsorc's limits and isolation tests:
 * a loop that never ends, a trap, memory growth, CPU work, and what WASI
 * offers (clocks, randomness, env, args, files).
 *
 *   clang --target=wasm32-wasi -mexec-model=reactor -mbulk-memory -ftls-model=local-exec -O2 -o probe-c.wasm probe.c
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>
#include "jsorc.h"

const char *jsorc_module_spec(void) {
  return "{\"module\":\"probe\",\"doc\":\"misbehaves on purpose; reports what WASI gives it\",\"actions\":["
         "{\"name\":\"work\",\"doc\":\"n rounds of integer hashing (CPU only)\",\"params\":[{\"name\":\"n\",\"type\":\"int\"}]},"
         "{\"name\":\"loop\",\"doc\":\"never returns\",\"params\":[]},"
         "{\"name\":\"trap\",\"doc\":\"executes unreachable\",\"params\":[]},"
         "{\"name\":\"grow\",\"doc\":\"allocates, touches and keeps mb megabytes\",\"params\":[{\"name\":\"mb\",\"type\":\"int\"}]},"
         "{\"name\":\"echo\",\"doc\":\"returns its argument\",\"params\":[{\"name\":\"value\",\"type\":\"any\"}]},"
         "{\"name\":\"env\",\"doc\":\"an environment variable, or null\",\"params\":[{\"name\":\"name\",\"type\":\"str\"}]},"
         "{\"name\":\"args\",\"doc\":\"the module's arguments\",\"params\":[]},"
         "{\"name\":\"now\",\"doc\":\"the wall and monotonic clocks, ns\",\"params\":[]},"
         "{\"name\":\"random\",\"doc\":\"16 random bytes in hex\",\"params\":[]},"
         "{\"name\":\"read\",\"doc\":\"the first bytes of a file\",\"params\":[{\"name\":\"path\",\"type\":\"str\"}]},"
         "{\"name\":\"fail\",\"doc\":\"fails with msg, as an argument error when param is given\",\"params\":[{\"name\":\"msg\",\"type\":\"str\"},{\"name\":\"param\",\"type\":\"str\",\"optional\":true}]}"
         "]}";
}

static void jw_value(jw *out, const jv *v) {
  switch (v->type) {
  case JV_NULL: jw_lit(out, "null"); break;
  case JV_BOOL: jw_lit(out, v->num ? "true" : "false"); break;
  case JV_NUM: jw_num(out, v->num); break;
  case JV_STR: jw_str(out, v->str, v->len); break;
  case JV_ARR:
    jw_lit(out, "[");
    for (size_t i = 0; i < v->len; i++) { if (i) jw_lit(out, ","); jw_value(out, &v->items[i]); }
    jw_lit(out, "]");
    break;
  case JV_OBJ:
    jw_lit(out, "{");
    for (size_t i = 0; i < v->len; i++) {
      if (i) jw_lit(out, ",");
      jw_str(out, v->keys[i], strlen(v->keys[i]));
      jw_lit(out, ":");
      jw_value(out, &v->items[i]);
    }
    jw_lit(out, "}");
    break;
  }
}

static long long int_arg(const jv *args, const char *name, int *ok) {
  const jv *v = jv_get(args, name);
  *ok = v && v->type == JV_NUM && v->num == floor(v->num);
  return *ok ? (long long)v->num : 0;
}

static volatile int forever = 1;
static char *volatile kept;

int jsorc_dispatch(const char *action, const jv *args, jw *out) {
  int ok;
  if (!strcmp(action, "work")) {
    long long n = int_arg(args, "n", &ok);
    if (!ok || n < 0) return jsorc_fail(out, JSORC_ARG_ERROR, "n", "want an integer >= 0");
    uint64_t h = 1469598103934665603ULL;
    for (long long i = 0; i < n; i++) { h ^= (uint64_t)i; h *= 1099511628211ULL; }
    jw_lit(out, "{\"n\":"); jw_int(out, n);
    jw_lit(out, ",\"hash\":"); jw_int(out, (long long)(h >> 12));
    jw_lit(out, "}");
    return JSORC_OK;
  }
  if (!strcmp(action, "loop")) { while (forever) {} return JSORC_OK; }
  if (!strcmp(action, "trap")) { __builtin_trap(); }
  if (!strcmp(action, "grow")) {
    long long mb = int_arg(args, "mb", &ok);
    if (!ok || mb < 0) return jsorc_fail(out, JSORC_ARG_ERROR, "mb", "want an integer >= 0");
    char *p = malloc((size_t)mb << 20);
    if (!p) return jsorc_fail(out, JSORC_FAILED, NULL, "out of memory");
    for (long long i = 0; i < (mb << 20); i += 4096) p[i] = 1;
    kept = p; /* never freed: the instance's memory stays grown */
    jw_lit(out, "{\"mb\":"); jw_int(out, mb); jw_lit(out, "}");
    return JSORC_OK;
  }
  if (!strcmp(action, "echo")) {
    const jv *v = jv_get(args, "value");
    if (v) jw_value(out, v); else jw_lit(out, "null");
    return JSORC_OK;
  }
  if (!strcmp(action, "env")) {
    const jv *n = jv_get(args, "name");
    if (!n || n->type != JV_STR) return jsorc_fail(out, JSORC_ARG_ERROR, "name", "want a string");
    const char *v = getenv(n->str);
    if (v) jw_str(out, v, strlen(v)); else jw_lit(out, "null");
    return JSORC_OK;
  }
  if (!strcmp(action, "args")) {
    size_t argc, size;
    if (__wasi_args_sizes_get(&argc, &size)) return jsorc_fail(out, JSORC_FAILED, NULL, "args_sizes_get failed");
    char **argv = arena_alloc((argc + 1) * sizeof(char *));
    char *buf = arena_alloc(size + 1);
    if (__wasi_args_get((uint8_t **)argv, (uint8_t *)buf)) return jsorc_fail(out, JSORC_FAILED, NULL, "args_get failed");
    jw_lit(out, "[");
    for (size_t i = 0; i < argc; i++) { if (i) jw_lit(out, ","); jw_str(out, argv[i], strlen(argv[i])); }
    jw_lit(out, "]");
    return JSORC_OK;
  }
  if (!strcmp(action, "now")) {
    struct timespec w, m;
    clock_gettime(CLOCK_REALTIME, &w);
    clock_gettime(CLOCK_MONOTONIC, &m);
    jw_lit(out, "{\"wall_ns\":"); jw_int(out, (long long)w.tv_sec * 1000000000LL + w.tv_nsec);
    jw_lit(out, ",\"mono_ns\":"); jw_int(out, (long long)m.tv_sec * 1000000000LL + m.tv_nsec);
    jw_lit(out, "}");
    return JSORC_OK;
  }
  if (!strcmp(action, "random")) {
    unsigned char b[16];
    static const char hex[] = "0123456789abcdef";
    char s[33];
    if (getentropy(b, sizeof b)) return jsorc_fail(out, JSORC_FAILED, NULL, "getentropy failed");
    for (int i = 0; i < 16; i++) { s[2 * i] = hex[b[i] >> 4]; s[2 * i + 1] = hex[b[i] & 15]; }
    jw_str(out, s, 32);
    return JSORC_OK;
  }
  if (!strcmp(action, "read")) {
    const jv *p = jv_get(args, "path");
    if (!p || p->type != JV_STR) return jsorc_fail(out, JSORC_ARG_ERROR, "path", "want a string");
    FILE *f = fopen(p->str, "r");
    if (!f) return jsorc_fail(out, JSORC_FAILED, NULL, strerror(errno));
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    jw_str(out, buf, n);
    return JSORC_OK;
  }
  if (!strcmp(action, "fail")) {
    const jv *m = jv_get(args, "msg"), *p = jv_get(args, "param");
    if (!m || m->type != JV_STR) return jsorc_fail(out, JSORC_ARG_ERROR, "msg", "want a string");
    if (p && p->type == JV_STR) return jsorc_fail(out, JSORC_ARG_ERROR, p->str, m->str);
    return jsorc_fail(out, JSORC_FAILED, NULL, m->str);
  }
  return jsorc_fail(out, JSORC_FAILED, NULL, "no such action");
}
