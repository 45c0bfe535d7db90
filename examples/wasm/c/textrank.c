/*
 * textrank — jsorc's example WebAssembly action module in C: a tokenizer
 * and a BM25 ranker, the same module as the Go and Rust examples (the
 * tests compare their answers). Built by `make examples` with Debian's
 * clang and wasi-libc:
 *
 *   clang --target=wasm32-wasi -mexec-model=reactor -mbulk-memory -ftls-model=local-exec -O2 -o textrank-c.wasm textrank.c
 */
#include "jsorc.h"

#define K1 1.2
#define B 0.75

const char *jsorc_module_spec(void) {
  return "{\"module\":\"textrank\",\"doc\":\"tokenizer and BM25 ranker (C)\",\"actions\":["
         "{\"name\":\"tokenize\",\"doc\":\"split text into lower-case word tokens\",\"params\":[{\"name\":\"text\",\"type\":\"str\"}]},"
         "{\"name\":\"rank\",\"doc\":\"rank docs against a query with BM25; the k best with a positive score\","
         "\"params\":[{\"name\":\"query\",\"type\":\"str\"},{\"name\":\"docs\",\"type\":\"list\"},{\"name\":\"k\",\"type\":\"int\",\"default\":10}]},"
         "{\"name\":\"about\",\"doc\":\"which implementation this is\",\"params\":[]}]}";
}

typedef struct { const char *s; size_t n; } tok;

/* word_low maps a byte to itself lower-cased when it belongs to a word
   (ASCII letters and digits, and every byte of a multi-byte UTF-8
   character), to 0 otherwise: one look-up a byte instead of four tests.
   It is filled at the first call. */
static unsigned char word_low[256];

static void fill_word_low(void) {
  for (int c = 0; c < 256; c++) {
    int word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    word_low[c] = word ? (unsigned char)((c >= 'A' && c <= 'Z') ? c + 32 : c) : 0;
  }
}

/* tokenize splits text into runs of word bytes, ASCII lower-cased, in one
   pass: each token is lower-cased into the arena as it is found, and the
   tokens point into that copy. */
static tok *tokenize(const char *text, size_t len, size_t *count) {
  if (!word_low['a']) fill_word_low();
  size_t cap = 16, n = 0;
  tok *out = arena_alloc(cap * sizeof(tok));
  char *low = arena_alloc(len + 1);
  const unsigned char *t = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    unsigned char l = word_low[t[i]];
    if (!l) { i++; continue; }
    size_t start = i;
    do {
      low[i] = (char)l;
      if (++i == len) break;
      l = word_low[t[i]];
    } while (l);
    if (n == cap) { tok *no = arena_alloc(2 * cap * sizeof(tok)); memcpy(no, out, n * sizeof(tok)); out = no; cap *= 2; }
    out[n].s = low + start; out[n].n = i - start; n++;
  }
  *count = n;
  return out;
}

static int tok_eq(tok a, tok b) { return a.n == b.n && !memcmp(a.s, b.s, a.n); }

typedef struct { long long doc; double score; } hit;

static int do_tokenize(const jv *args, jw *out) {
  const jv *text = jv_get(args, "text");
  if (!text || text->type != JV_STR) return jsorc_fail(out, JSORC_ARG_ERROR, "text", "want a string");
  size_t n;
  tok *t = tokenize(text->str, text->len, &n);
  /* A token is word bytes only (no quote, backslash or control byte): it
     is written as it is, into room reserved once. */
  size_t room = 2;
  for (size_t i = 0; i < n; i++) room += t[i].n + 3;
  jw_grow(out, room);
  char *w = out->buf + out->len;
  *w++ = '[';
  for (size_t i = 0; i < n; i++) {
    if (i) *w++ = ',';
    *w++ = '"';
    memcpy(w, t[i].s, t[i].n);
    w += t[i].n;
    *w++ = '"';
  }
  *w++ = ']';
  out->len = (size_t)(w - out->buf);
  return JSORC_OK;
}

static int do_rank(const jv *args, jw *out) {
  const jv *query = jv_get(args, "query"), *docs = jv_get(args, "docs"), *kv = jv_get(args, "k");
  if (!query || query->type != JV_STR) return jsorc_fail(out, JSORC_ARG_ERROR, "query", "want a string");
  if (!docs || docs->type != JV_ARR) return jsorc_fail(out, JSORC_ARG_ERROR, "docs", "want a list of strings");
  for (size_t i = 0; i < docs->len; i++)
    if (docs->items[i].type != JV_STR) return jsorc_fail(out, JSORC_ARG_ERROR, "docs", "want a list of strings");
  if (!kv || kv->type != JV_NUM || kv->num != floor(kv->num)) return jsorc_fail(out, JSORC_ARG_ERROR, "k", "want an integer");
  if (kv->num < 1) return jsorc_fail(out, JSORC_ARG_ERROR, "k", "must be at least 1");
  size_t k = kv->num > 1e9 ? (size_t)1e9 : (size_t)kv->num;

  /* The query's distinct terms, in the order they first appear. */
  size_t nq;
  tok *q = tokenize(query->str, query->len, &nq);
  size_t nt = 0;
  tok *terms = arena_alloc((nq + 1) * sizeof(tok));
  for (size_t i = 0; i < nq; i++) {
    int dup = 0;
    for (size_t j = 0; j < nt; j++) if (tok_eq(terms[j], q[i])) { dup = 1; break; }
    if (!dup) terms[nt++] = q[i];
  }
  size_t n = docs->len;
  if (n == 0 || nt == 0) { jw_lit(out, "[]"); return JSORC_OK; }
  /* tf[i*nt+t]: occurrences of term t in doc i. */
  unsigned *tf = arena_alloc(n * nt * sizeof(unsigned));
  memset(tf, 0, n * nt * sizeof(unsigned));
  unsigned *df = arena_alloc(nt * sizeof(unsigned));
  memset(df, 0, nt * sizeof(unsigned));
  size_t *lens = arena_alloc(n * sizeof(size_t));
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    size_t nd;
    tok *d = tokenize(docs->items[i].str, docs->items[i].len, &nd);
    lens[i] = nd; total += nd;
    for (size_t x = 0; x < nd; x++)
      for (size_t t = 0; t < nt; t++) if (tok_eq(d[x], terms[t])) { tf[i * nt + t]++; break; }
    for (size_t t = 0; t < nt; t++) if (tf[i * nt + t]) df[t]++;
  }
  double avgdl = (double)total / (double)n;
  hit *hits = arena_alloc(n * sizeof(hit));
  size_t nh = 0;
  for (size_t i = 0; i < n; i++) {
    double score = 0;
    for (size_t t = 0; t < nt; t++) {
      unsigned f = tf[i * nt + t];
      if (!f) continue;
      double idf = log(1 + ((double)n - (double)df[t] + 0.5) / ((double)df[t] + 0.5));
      double ft = (double)f;
      score += idf * (ft * (K1 + 1)) / (ft + K1 * (1 - B + B * (double)lens[i] / avgdl));
    }
    if (score > 0) { hits[nh].doc = (long long)i; hits[nh].score = score; nh++; }
  }
  /* A stable insertion sort: best score first, ties by index. */
  for (size_t i = 1; i < nh; i++) {
    hit h = hits[i];
    size_t j = i;
    while (j > 0 && hits[j - 1].score < h.score) { hits[j] = hits[j - 1]; j--; }
    hits[j] = h;
  }
  if (nh > k) nh = k;
  jw_lit(out, "[");
  for (size_t i = 0; i < nh; i++) {
    if (i) jw_lit(out, ",");
    jw_lit(out, "{\"doc\":"); jw_int(out, hits[i].doc);
    jw_lit(out, ",\"score\":"); jw_num(out, hits[i].score);
    jw_lit(out, "}");
  }
  jw_lit(out, "]");
  return JSORC_OK;
}

int jsorc_dispatch(const char *action, const jv *args, jw *out) {
  if (!strcmp(action, "tokenize")) return do_tokenize(args, out);
  if (!strcmp(action, "rank")) return do_rank(args, out);
  if (!strcmp(action, "about")) { jw_lit(out, "{\"abi\":1,\"language\":\"c\"}"); return JSORC_OK; }
  return jsorc_fail(out, JSORC_FAILED, NULL, "no such action");
}
