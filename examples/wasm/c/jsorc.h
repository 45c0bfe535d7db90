/*
 * jsorc.h — the guest side of jsorc's WebAssembly action ABI, version 1
 * (docs/wasm-abi.md), for C modules built with
 *
 *   clang --target=wasm32-wasi -mexec-model=reactor -mbulk-memory -ftls-model=local-exec -O2 -o mod.wasm mod.c
 *
 * and a small JSON reader and writer. Include it in exactly one file that
 * defines:
 *
 *   const char *jsorc_module_spec(void);   // the spec, as JSON text
 *   int jsorc_dispatch(const char *action, const jv *args, jw *out);
 *
 * jsorc_dispatch writes the result into out and returns JSORC_OK, or calls
 * jsorc_fail(out, JSORC_ARG_ERROR or JSORC_FAILED, param, msg) and returns
 * what it returns. Every allocation made during a call comes from an arena
 * that is reset when the call ends.
 *
 * -mbulk-memory lets clang turn memcpy and memset into WebAssembly's
 * memory.copy and memory.fill, which the runtime runs as native copies
 * rather than a byte loop in the module; jsorc's runtime accepts them.
 * With bulk memory on, clang 14 compiles libc's errno as thread-local and
 * stops ("only -ftls-model=local-exec is supported") unless told
 * -ftls-model=local-exec; a module without threads keeps one errno.
 */
#ifndef JSORC_H
#define JSORC_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { JSORC_OK = 0, JSORC_ARG_ERROR = 1, JSORC_FAILED = 2 };

__attribute__((import_module("jsorc"), import_name("input")))
extern void jsorc_input(char *action, char *args);
__attribute__((import_module("jsorc"), import_name("output")))
extern void jsorc_output(const char *ptr, size_t len);

/* ---- arena: everything a call allocates, freed at once ---- */

typedef struct arena_block { struct arena_block *next; size_t used, cap; char data[]; } arena_block;
static arena_block *arena_head;

static void *arena_alloc(size_t n) {
  n = (n + 7) & ~(size_t)7;
  if (!arena_head || arena_head->used + n > arena_head->cap) {
    size_t cap = n > 65536 ? n : 65536;
    arena_block *b = malloc(sizeof(arena_block) + cap);
    if (!b) abort();
    b->next = arena_head; b->used = 0; b->cap = cap;
    arena_head = b;
  }
  void *p = arena_head->data + arena_head->used;
  arena_head->used += n;
  return p;
}

static void arena_reset(void) {
  /* Keep one block for the next call, free the rest. */
  while (arena_head && arena_head->next) {
    arena_block *n = arena_head->next;
    free(arena_head);
    arena_head = n;
  }
  if (arena_head) arena_head->used = 0;
}

/* ---- JSON values ---- */

enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

typedef struct jv {
  int type;
  double num;      /* JV_NUM, and JV_BOOL as 0 or 1 */
  const char *str; /* JV_STR: decoded UTF-8, NUL-terminated */
  size_t len;      /* JV_STR: bytes; JV_ARR, JV_OBJ: entries */
  struct jv *items;
  const char **keys; /* JV_OBJ */
} jv;

typedef struct { const char *p, *end; int err; } jparser;

static void jp_ws(jparser *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static void jp_value(jparser *j, jv *v);

static void jp_utf8(char **w, unsigned cp) {
  char *o = *w;
  if (cp < 0x80) { *o++ = (char)cp; }
  else if (cp < 0x800) { *o++ = (char)(0xC0 | cp >> 6); *o++ = (char)(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) { *o++ = (char)(0xE0 | cp >> 12); *o++ = (char)(0x80 | (cp >> 6 & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
  else { *o++ = (char)(0xF0 | cp >> 18); *o++ = (char)(0x80 | (cp >> 12 & 0x3F)); *o++ = (char)(0x80 | (cp >> 6 & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
  *w = o;
}

static int jp_hex4(jparser *j, unsigned *out) {
  unsigned v = 0;
  if (j->end - j->p < 4) return 0;
  for (int i = 0; i < 4; i++) {
    char c = *j->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

static const char *jp_string(jparser *j, size_t *len) {
  j->p++; /* the opening quote */
  const char *s = j->p;
  int escaped = 0;
  /* Most strings have no escape: libc's memchr finds the closing quote a
     word at a time, and a second one checks that no backslash precedes
     it. Otherwise the bytes are read one at a time, an escape skipped. */
  const char *q = memchr(s, '"', (size_t)(j->end - s));
  if (q && !memchr(s, '\\', (size_t)(q - s))) j->p = q;
  else {
    while (j->p < j->end && *j->p != '"') { if (*j->p == '\\') { j->p++; escaped = 1; } j->p++; }
  }
  if (j->p >= j->end) { j->err = 1; return ""; }
  /* Decoding never grows the text; without an escape it is a copy. */
  char *out = arena_alloc((size_t)(j->p - s) + 1), *w = out;
  const char *r = s, *stop = j->p;
  j->p++;
  if (!escaped) {
    memcpy(out, s, (size_t)(stop - s));
    out[stop - s] = 0;
    *len = (size_t)(stop - s);
    return out;
  }
  while (r < stop) {
    if (*r != '\\') { *w++ = *r++; continue; }
    r++;
    switch (*r++) {
    case 'n': *w++ = '\n'; break;
    case 't': *w++ = '\t'; break;
    case 'r': *w++ = '\r'; break;
    case 'b': *w++ = '\b'; break;
    case 'f': *w++ = '\f'; break;
    case 'u': {
      jparser h = { r, stop, 0 };
      unsigned cp, lo;
      if (!jp_hex4(&h, &cp)) { j->err = 1; return ""; }
      if (cp >= 0xD800 && cp < 0xDC00 && h.end - h.p >= 6 && h.p[0] == '\\' && h.p[1] == 'u') {
        h.p += 2;
        if (jp_hex4(&h, &lo) && lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        else { j->err = 1; return ""; }
      }
      jp_utf8(&w, cp);
      r = h.p;
      break;
    }
    default: *w++ = r[-1]; /* \" \\ \/ */
    }
  }
  *w = 0;
  *len = (size_t)(w - out);
  return out;
}

static void jp_value(jparser *j, jv *v) {
  memset(v, 0, sizeof *v);
  jp_ws(j);
  if (j->p >= j->end) { j->err = 1; return; }
  char c = *j->p;
  if (c == '"') { v->type = JV_STR; v->str = jp_string(j, &v->len); return; }
  if (c == '{' || c == '[') {
    int obj = c == '{';
    size_t cap = 8, n = 0;
    jv *items = arena_alloc(cap * sizeof(jv));
    const char **keys = obj ? arena_alloc(cap * sizeof(char *)) : NULL;
    j->p++;
    jp_ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; }
    else for (;;) {
      if (n == cap) {
        jv *ni = arena_alloc(2 * cap * sizeof(jv));
        memcpy(ni, items, n * sizeof(jv)); items = ni;
        if (obj) { const char **nk = arena_alloc(2 * cap * sizeof(char *)); memcpy(nk, keys, n * sizeof(char *)); keys = nk; }
        cap *= 2;
      }
      if (obj) {
        size_t kl;
        jp_ws(j);
        if (j->p >= j->end || *j->p != '"') { j->err = 1; return; }
        keys[n] = jp_string(j, &kl);
        jp_ws(j);
        if (j->p >= j->end || *j->p != ':') { j->err = 1; return; }
        j->p++;
      }
      jp_value(j, &items[n++]);
      if (j->err) return;
      jp_ws(j);
      if (j->p < j->end && *j->p == ',') { j->p++; continue; }
      if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; break; }
      j->err = 1; return;
    }
    v->type = obj ? JV_OBJ : JV_ARR; v->items = items; v->keys = keys; v->len = n;
    return;
  }
  if (c == 't' && j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) { v->type = JV_BOOL; v->num = 1; j->p += 4; return; }
  if (c == 'f' && j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) { v->type = JV_BOOL; j->p += 5; return; }
  if (c == 'n' && j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) { v->type = JV_NULL; j->p += 4; return; }
  /* A number: strtod needs a terminated copy. */
  const char *s = j->p;
  while (j->p < j->end && strchr("+-0123456789.eE", *j->p)) j->p++;
  if (j->p == s) { j->err = 1; return; }
  char tmp[64];
  size_t n = (size_t)(j->p - s);
  if (n >= sizeof tmp) { j->err = 1; return; }
  memcpy(tmp, s, n); tmp[n] = 0;
  v->type = JV_NUM; v->num = strtod(tmp, NULL);
}

/* jv_parse parses text into a value; it returns 0 on malformed JSON. */
static int jv_parse(const char *text, size_t len, jv *v) {
  jparser j = { text, text + len, 0 };
  jp_value(&j, v);
  jp_ws(&j);
  return !j.err && j.p == j.end;
}

/* jv_get returns the member key of an object, or NULL. */
static const jv *jv_get(const jv *o, const char *key) {
  if (!o || o->type != JV_OBJ) return NULL;
  for (size_t i = 0; i < o->len; i++) if (!strcmp(o->keys[i], key)) return &o->items[i];
  return NULL;
}

/* ---- JSON writer ---- */

typedef struct jw { char *buf; size_t len, cap; } jw;

static void jw_grow(jw *w, size_t n) {
  if (w->len + n <= w->cap) return;
  size_t cap = w->cap ? w->cap : 256;
  while (cap < w->len + n) cap *= 2;
  char *b = realloc(w->buf, cap);
  if (!b) abort();
  w->buf = b; w->cap = cap;
}

static void jw_raw(jw *w, const char *s, size_t n) { jw_grow(w, n); memcpy(w->buf + w->len, s, n); w->len += n; }
static void jw_lit(jw *w, const char *s) { jw_raw(w, s, strlen(s)); }

/* jw_str writes s as a JSON string: runs of plain bytes are copied whole. */
static void jw_str(jw *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  jw_raw(w, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c != '"' && c != '\\' && c >= 0x20) continue;
    jw_raw(w, s + run, i - run);
    run = i + 1;
    if (c < 0x20) { char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] }; jw_raw(w, e, 6); }
    else { char e[2] = { '\\', (char)c }; jw_raw(w, e, 2); }
  }
  jw_raw(w, s + run, n - run);
  jw_raw(w, "\"", 1);
}

static void jw_int(jw *w, long long v) { char t[32]; int n = snprintf(t, sizeof t, "%lld", v); jw_raw(w, t, (size_t)n); }

/* jw_num writes the shortest of %.15g, %.16g, %.17g that reads back
   exactly, as Go and Rust print floats. */
static void jw_num(jw *w, double v) {
  char t[40];
  int n = 0;
  if (!isfinite(v)) { jw_lit(w, "null"); return; }
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(t, sizeof t, "%.*g", prec, v);
    if (strtod(t, NULL) == v) break;
  }
  jw_raw(w, t, (size_t)n);
}

/* jsorc_fail writes an error output and returns status. */
static int jsorc_fail(jw *out, int status, const char *param, const char *msg) {
  out->len = 0;
  jw_lit(out, "{\"msg\":");
  jw_str(out, msg, strlen(msg));
  if (param) { jw_lit(out, ",\"param\":"); jw_str(out, param, strlen(param)); }
  jw_lit(out, "}");
  return status;
}

/* ---- the exports ---- */

const char *jsorc_module_spec(void);
int jsorc_dispatch(const char *action, const jv *args, jw *out);

static jw jsorc_out;

__attribute__((export_name("jsorc_abi_version"))) int32_t jsorc_abi_version(void) { return 1; }

__attribute__((export_name("jsorc_spec"))) int32_t jsorc_spec(void) {
  const char *s = jsorc_module_spec();
  jsorc_output(s, strlen(s));
  return JSORC_OK;
}

__attribute__((export_name("jsorc_call"))) int32_t jsorc_call(int32_t action_len, int32_t args_len) {
  char *action = arena_alloc((size_t)action_len + 1), *args = arena_alloc((size_t)args_len + 1);
  jsorc_input(action, args);
  action[action_len] = 0;
  jv v;
  int st;
  jsorc_out.len = 0;
  if (!jv_parse(args, (size_t)args_len, &v) || v.type != JV_OBJ) st = jsorc_fail(&jsorc_out, JSORC_ARG_ERROR, NULL, "the arguments are not a JSON object");
  else st = jsorc_dispatch(action, &v, &jsorc_out);
  jsorc_output(jsorc_out.buf, jsorc_out.len);
  arena_reset();
  if (jsorc_out.cap > (1 << 20)) { free(jsorc_out.buf); jsorc_out = (jw){0}; }
  return st;
}

#endif
