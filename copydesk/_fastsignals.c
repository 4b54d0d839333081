/* The quality signals of a chunk of article bodies in one C pass a body (copydesk.quality.fast).

   copydesk.quality.batch defines the signals over a chunk of bodies with Arrow kernels and numpy
   (README "Quality signals"); this computes the same figures another way.  Each body is cut into
   blocks, lines, list items, headings and sentence pieces, and each piece's whitespace-collapsed
   text is looked up in a table of sentences this process keeps between chunks: a templated corpus
   repeats its sentences, so the words, syllables and hash of a sentence are worked out once, when it
   is first met.  Its tokens' values (text._token_value: a word flag and syllables) come from a second
   table, filled for each token the first time: here for an ASCII token (the CMU syllable table given
   by cmu()), by a Python callable for the others and for a word the CMU table lacks; its hash is
   XXH3-64 of its lower-cased UTF-8 (text.sentence_hash), lower-cased here on ASCII, and by a Python
   callable for a sentence with a character str.lower changes beyond ASCII.  A body with whitespace other than " "
   and "\n", or a space before a line feed, is first prepared as batch._prepared prepares it.

   scan(data, offsets, values_of, hash_of, report=False) -> tuple of bytes objects (numpy reads them):
     0  headings      int32[n]    heading blocks
     1  list_items    int32[n]    list items (lines of list blocks)
     2  paragraphs    int32[n]    prose blocks
     3  words         int32[n]    words of the headings and lists
     4  prose_words   int64[n]    words of the sentence pieces
     5  syllables     int64[n]    their syllables
     6  sentences     int32[n]    pieces with a word (sentences)
     7  long          int32[n]    sentences of more than LONG_WORDS words
     8  longest       int32[n]    words of the longest prose block
     9  hash_offsets  int32[n+1]  each body's sentence hashes: the distinct ones first (in order of
     10 hashes        uint64[h]   their first occurrence), then the repeats in order;
     11 distinct      int32[n]    how many are distinct
     12 item_body     int32[i]    each list item's body,
     13 item_under    uint8[i]    whether it follows a heading holding "checklist" (lower-cased as
                                  pyarrow's utf8_lower does), and its text (bullet and spaces cut off):
     14 item_offsets  int64[i+1]
     15 item_data     bytes
     16 new_hashes    uint64[k]   with `report` true, the sentences of the bodies this table has not
     17 new_offsets   int64[k+1]  reported since it was emptied (in order): hashes and texts
     18 new_data      bytes       (collapsed, lower-cased on ASCII); else none
     19 report_odd    int32[j]    those with a character str.lower changes beyond ASCII (not lower-cased)
   values_of(list[str]) -> list[int] gives the value of each token the C does not value itself (an
   ASCII token's value comes from the CMU table given by cmu(), as text._values_of computes it; a
   token with another character, or a word the table lacks, is asked of Python); hash_of(str) -> int
   the hash of a sentence.  size() -> sentences in the table; text_bytes() -> bytes of text in both
   tables; reset() empties them; cmu(words, width, counts) sets the CMU table; token_value(bytes) ->
   the value of an ASCII token, or None where Python must say (for tests).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define XXH_INLINE_ALL
#include "vendor/xxhash.h"

#define LONG_WORDS 20          /* text.LONG_SENTENCE_WORDS */
#define HEADING_MAX_WORDS 8    /* text.HEADING_MAX_WORDS */
#define SHIFT 32               /* text._SHIFT: a token's value is word << 32 | syllables */

/* ---- growable arrays ------------------------------------------------------------------------ */
typedef struct { char *p; Py_ssize_t n, cap; } Vec;      /* n, cap in bytes */

static int vec_grow(Vec *v, Py_ssize_t more)
{
    if (v->n + more <= v->cap)
        return 0;
    Py_ssize_t cap = v->cap ? v->cap : 1024;
    while (cap < v->n + more)
        cap *= 2;
    char *p = PyMem_Realloc(v->p, (size_t)cap);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    v->p = p;
    v->cap = cap;
    return 0;
}

static int vec_put(Vec *v, const void *x, Py_ssize_t size)
{
    if (vec_grow(v, size) < 0)
        return -1;
    memcpy(v->p + v->n, x, (size_t)size);
    v->n += size;
    return 0;
}

static int put32(Vec *v, int32_t x) { return vec_put(v, &x, 4); }
static int put64(Vec *v, int64_t x) { return vec_put(v, &x, 8); }
static int put8(Vec *v, uint8_t x) { return vec_put(v, &x, 1); }

static void vec_free(Vec *v)
{
    PyMem_Free(v->p);
    memset(v, 0, sizeof *v);
}

#define AT(v, type, i) (((type *)(v).p)[i])
#define COUNT(v, type) ((v).n / (Py_ssize_t)sizeof(type))

/* ---- tables of byte strings (open addressing) ----------------------------------------------- */
typedef struct { int64_t off, len; uint64_t h; } Key;
typedef struct { Vec arena, keys; int32_t *slots; Py_ssize_t n_slots; } Table;

static Table sentences, tokens;
static Vec sentence_words, sentence_syllables, sentence_hash, sentence_number, sentence_seen;  /* per sentence */
static Vec sentence_plain;           /* per sentence: 1 when str.lower changes no character of it beyond ASCII */
static Vec sentence_reported;        /* per sentence: 1 once a call with `report` has reported it */
static Vec token_value;                                                                      /* per token */
static int32_t *hash_slots;          /* sentence hash -> the first sentence with it (its number) */
static Py_ssize_t n_hash_slots, n_hashes;
static int64_t stamp;                /* numbers the bodies of every call: sentence_seen's stamps */

static uint64_t hash_bytes(const unsigned char *p, Py_ssize_t n) { return XXH3_64bits(p, (size_t)n); }

static Py_ssize_t table_size(const Table *t) { return COUNT(t->keys, Key); }

/* Free slots (-1) for an open-addressing table of `size` (a power of two); NULL on error. */
static int32_t *new_slots(Py_ssize_t size)
{
    int32_t *s = PyMem_Malloc((size_t)size * sizeof(int32_t));
    if (!s)
        PyErr_NoMemory();
    else
        memset(s, 0xff, (size_t)size * sizeof(int32_t));
    return s;
}

/* Put `id` in the first free slot from its hash's (linear probing). */
static void place(int32_t *s, Py_ssize_t size, uint64_t h, int32_t id)
{
    Py_ssize_t at = (Py_ssize_t)(h & (uint64_t)(size - 1));
    while (s[at] >= 0)
        at = (at + 1) & (size - 1);
    s[at] = id;
}

static int table_rehash(Table *t, Py_ssize_t size)
{
    int32_t *s = new_slots(size);
    if (!s)
        return -1;
    for (Py_ssize_t i = 0; i < table_size(t); i++)
        place(s, size, AT(t->keys, Key, i).h, (int32_t)i);
    PyMem_Free(t->slots);
    t->slots = s;
    t->n_slots = size;
    return 0;
}

/* The number of p[0:n] in the table, added when new (*added set); -1 on error. */
static int32_t table_find(Table *t, const unsigned char *p, Py_ssize_t n, int *added)
{
    if (2 * (table_size(t) + 1) > t->n_slots && table_rehash(t, t->n_slots ? 2 * t->n_slots : 1 << 14) < 0)
        return -1;
    uint64_t h = hash_bytes(p, n);
    Py_ssize_t mask = t->n_slots - 1, at = (Py_ssize_t)(h & (uint64_t)mask);
    const Key *k = (const Key *)t->keys.p;
    for (;;) {
        int32_t i = t->slots[at];
        if (i < 0)
            break;
        if (k[i].h == h && k[i].len == n && memcmp(t->arena.p + k[i].off, p, (size_t)n) == 0) {
            *added = 0;
            return i;
        }
        at = (at + 1) & mask;
    }
    if (table_size(t) >= INT32_MAX - 1) {
        PyErr_SetString(PyExc_OverflowError, "table full");
        return -1;
    }
    Key key = {t->arena.n, n, h};
    if (vec_put(&t->arena, p, n) < 0 || vec_put(&t->keys, &key, sizeof key) < 0)
        return -1;
    int32_t id = (int32_t)(table_size(t) - 1);
    t->slots[at] = id;
    *added = 1;
    return id;
}

static const unsigned char *table_text(const Table *t, Py_ssize_t i, Py_ssize_t *n)
{
    const Key *k = &AT(t->keys, Key, i);
    *n = (Py_ssize_t)k->len;
    return (const unsigned char *)t->arena.p + k->off;
}

/* Forget the entries from `keep` on (a call that failed); -1 on error. */
static int table_truncate(Table *t, Py_ssize_t keep)
{
    if (keep >= table_size(t))
        return 0;
    t->arena.n = keep ? AT(t->keys, Key, keep).off : 0;
    t->keys.n = keep * (Py_ssize_t)sizeof(Key);
    return t->n_slots ? table_rehash(t, t->n_slots) : 0;
}

static void table_free(Table *t)
{
    vec_free(&t->arena);
    vec_free(&t->keys);
    PyMem_Free(t->slots);
    t->slots = NULL;
    t->n_slots = 0;
}

/* The number of a sentence hash: the first sentence with it (`id` when new); -1 on error. */
static int32_t number_of(uint64_t h, int32_t id)
{
    if (2 * (n_hashes + 1) > n_hash_slots) {
        Py_ssize_t size = n_hash_slots ? 2 * n_hash_slots : 1 << 14;
        int32_t *s = new_slots(size);
        if (!s)
            return -1;
        for (Py_ssize_t i = 0; i < n_hash_slots; i++)
            if (hash_slots[i] >= 0)
                place(s, size, AT(sentence_hash, uint64_t, hash_slots[i]), hash_slots[i]);
        PyMem_Free(hash_slots);
        hash_slots = s;
        n_hash_slots = size;
    }
    Py_ssize_t mask = n_hash_slots - 1, at = (Py_ssize_t)(h & (uint64_t)mask);
    for (;;) {
        int32_t j = hash_slots[at];
        if (j < 0)
            break;
        if (AT(sentence_hash, uint64_t, j) == h)
            return j;
        at = (at + 1) & mask;
    }
    hash_slots[at] = id;
    n_hashes++;
    return id;
}

static void numbers_reset(void)
{
    PyMem_Free(hash_slots);
    hash_slots = NULL;
    n_hash_slots = n_hashes = 0;
}

/* ---- characters ----------------------------------------------------------------------------- */
static unsigned char MAYBE_ODD[256];    /* bytes irregular() looks at: below 0x20, and 0xC2, 0xE1-0xE3 */

static void build_classes(void)
{
    for (int b = 0; b < 0x20; b++)
        MAYBE_ODD[b] = 1;
    MAYBE_ODD[0xC2] = MAYBE_ODD[0xE1] = MAYBE_ODD[0xE2] = MAYBE_ODD[0xE3] = 1;
}

#define SPACE(b) ((b) == ' ' || (b) == '\n')

/* The length of the whitespace character other than " " and "\n" at d[i] (str.isspace: 0x09-0x0D,
   0x1C-0x1F, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), else 0. */
static int odd_space(const unsigned char *d, Py_ssize_t i, Py_ssize_t e)
{
    unsigned char b = d[i], b1 = i + 1 < e ? d[i + 1] : 0, b2 = i + 2 < e ? d[i + 2] : 0;
    if (b < 0x20)
        return (b >= 0x09 && b <= 0x0D && b != '\n') || b >= 0x1C;
    if (b == 0xC2 && (b1 == 0x85 || b1 == 0xA0))
        return 2;
    if ((b == 0xE1 && b1 == 0x9A && b2 == 0x80) || (b == 0xE3 && b1 == 0x80 && b2 == 0x80))
        return 3;
    if (b == 0xE2 && ((b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) || (b1 == 0x81 && b2 == 0x9F)))
        return 3;
    return 0;
}

typedef unsigned char v16 __attribute__((vector_size(16)));

/* Whether a byte of d[i:i+16] may matter to irregular(): below 0x20 but a line feed, a line feed
   after a space, or a lead byte of an odd space (0xC2-0xE3).  Sixteen at a time: few do. */
static int maybe_irregular(const unsigned char *d, Py_ssize_t i)
{
    v16 v, p;
    memcpy(&v, d + i, 16);
    memcpy(&p, d + i - 1, 16);
    v16 m = (v16)(((v < 0x20) & (v != '\n')) | ((v == '\n') & (p == ' ')) | ((v >= 0xC2) & (v <= 0xE3)));
    uint64_t a, b;
    memcpy(&a, &m, 8);
    memcpy(&b, (char *)&m + 8, 8);
    return (a | b) != 0;
}

/* Whether the body must be prepared (batch._prepared): another whitespace, or " " before "\n". */
static int irregular(const unsigned char *d, Py_ssize_t s, Py_ssize_t e)
{
    for (Py_ssize_t i = s; i < e; i++) {
        while (i > s && i + 16 <= e && !maybe_irregular(d, i))
            i += 16;
        if (i >= e)
            break;
        unsigned char b = d[i];
        if (!MAYBE_ODD[b])
            continue;
        if (b == '\n') {
            if (i > s && d[i - 1] == ' ')
                return 1;
        } else if (odd_space(d, i, e)) {
            return 1;
        }
    }
    return 0;
}

/* batch._prepared of one body into `out`: "\r\n" and "\r" as "\n", the other whitespace as " ",
   then each leftmost "\n", spaces, "\n" as "\n\n". */
static int prepare(Vec *out, Vec *tmp, const unsigned char *d, Py_ssize_t s, Py_ssize_t e)
{
    tmp->n = out->n = 0;
    if (vec_grow(tmp, e - s) < 0 || vec_grow(out, e - s) < 0)
        return -1;
    unsigned char *t = (unsigned char *)tmp->p;
    Py_ssize_t n = 0;
    for (Py_ssize_t i = s; i < e;) {
        int k;
        if (d[i] == '\r') {
            t[n++] = '\n';
            i += i + 1 < e && d[i + 1] == '\n' ? 2 : 1;
        } else if ((k = odd_space(d, i, e)) > 0) {
            t[n++] = ' ';
            i += k;
        } else {
            t[n++] = d[i++];
        }
    }
    unsigned char *o = (unsigned char *)out->p;
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < n;) {
        if (t[i] == '\n') {
            Py_ssize_t j = i + 1;
            while (j < n && t[j] == ' ')
                j++;
            if (j < n && t[j] == '\n') {
                o[m++] = '\n';
                o[m++] = '\n';
                i = j + 1;
                continue;
            }
        }
        o[m++] = t[i++];
    }
    out->n = m;
    return 0;
}

static Py_UCS4 decode(const unsigned char *d, Py_ssize_t i, Py_ssize_t e, int *len)
{
    unsigned char b = d[i];
    int k = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (i + k > e)
        k = 1;
    Py_UCS4 c = k == 1 ? b : k == 2 ? (b & 0x1F) : k == 3 ? (b & 0x0F) : (b & 0x07);
    for (int j = 1; j < k; j++)
        c = (c << 6) | (d[i + j] & 0x3F);
    *len = k;
    return c;
}

static unsigned char ascii_lower(unsigned char b) { return (unsigned char)((unsigned char)(b - 'A') < 26 ? b | 0x20 : b); }

static int ascii_alnum(unsigned char b)
{
    return (unsigned char)((b | 0x20) - 'a') < 26 || (unsigned char)(b - '0') < 10;
}

/* Whether str.lower leaves a character as it is (batch._CASELESS), asked of Python once a character. */
static unsigned char case_known[0x110000 / 8], caseless_bits[0x110000 / 8];

static int caseless(Py_UCS4 c)
{
    if (c >= 0x110000)
        return 1;
    if (!(case_known[c >> 3] & (1 << (c & 7)))) {
        PyObject *ch = PyUnicode_FromOrdinal((int)c);
        PyObject *low = ch ? PyObject_CallMethod(ch, "lower", NULL) : NULL;
        int same = low ? PyUnicode_Compare(ch, low) : -1;
        Py_XDECREF(ch);
        Py_XDECREF(low);
        if (same == -1 && PyErr_Occurred())
            return -1;
        case_known[c >> 3] |= (unsigned char)(1 << (c & 7));
        if (same == 0)
            caseless_bits[c >> 3] |= (unsigned char)(1 << (c & 7));
    }
    return (caseless_bits[c >> 3] >> (c & 7)) & 1;
}

/* ---- reading a body ------------------------------------------------------------------------- */
typedef struct {
    Vec heads, items, pars, words;                       /* int32 per body */
    Vec piece_body, piece_par, piece_entry, par_body;    /* int32 per piece, per prose block */
    Vec item_body, item_under, item_offsets, item_data;
    Vec scratch, prepared, tmp;
    int32_t n_pars;
} Out;

/* Words of d[s:e]: its tokens (runs of bytes but " " and "\n") holding a letter or digit
   (str.isalnum of a character: batch._has_alnum, text._HAS_ALNUM). */
static int32_t word_count(const unsigned char *d, Py_ssize_t s, Py_ssize_t e)
{
    int32_t count = 0;
    Py_ssize_t i = s;
    while (i < e) {
        while (i < e && SPACE(d[i]))
            i++;
        if (i >= e)
            break;
        int word = 0;
        while (i < e && !SPACE(d[i])) {
            unsigned char b = d[i];
            if (word || b < 0x80) {
                word |= ascii_alnum(b);
                i++;
            } else {
                int len;
                word = Py_UNICODE_ISALNUM(decode(d, i, e, &len)) ? 1 : 0;
                i += len;
            }
        }
        count += word;
    }
    return count;
}

/* After the bullet of a line whose first byte not a space is at `first` (batch._Lines): one of
   "*" "-" "•", or digits then "." or ")", followed by a space or the line's end; -1 if none. */
static Py_ssize_t bullet_end(const unsigned char *d, Py_ssize_t first, Py_ssize_t end)
{
    unsigned char b = d[first];
    Py_ssize_t after = -1;
    if (b == '*' || b == '-') {
        after = first + 1;
    } else if ((unsigned char)(b - '0') < 10) {
        Py_ssize_t i = first;
        while (i < end && (unsigned char)(d[i] - '0') < 10)
            i++;
        if (i < end && (d[i] == '.' || d[i] == ')'))
            after = i + 1;
    } else if (b == 0xE2 && first + 2 < end && d[first + 1] == 0x80 && d[first + 2] == 0xA2) {
        after = first + 3;
    }
    if (after >= 0 && after != end && d[after] != ' ')
        after = -1;
    return after;
}

/* Whether pyarrow's utf8_lower of d[s:e] holds "checklist": besides "A"-"Z", only U+0130 and U+212A
   lower-case to ASCII ("i", "k"), so the text is compared a character at a time with those mapped. */
static int has_checklist(const unsigned char *d, Py_ssize_t s, Py_ssize_t e)
{
    static const char word[] = "checklist";
    for (Py_ssize_t i = s; i < e; i++) {
        Py_ssize_t at = i;
        int j = 0;
        while (j < 9 && at < e) {
            unsigned char b = d[at], c;
            if (b < 0x80) {
                c = ascii_lower(b);
                at++;
            } else if (b == 0xC4 && at + 1 < e && d[at + 1] == 0xB0) {
                c = 'i';
                at += 2;
            } else if (b == 0xE2 && at + 2 < e && d[at + 1] == 0x84 && d[at + 2] == 0xAA) {
                c = 'k';
                at += 3;
            } else {
                break;
            }
            if (c != (unsigned char)word[j])
                break;
            j++;
        }
        if (j == 9)
            return 1;
    }
    return 0;
}

static const char *CLOSERS[] = {"\"", "'", "\xe2\x80\x9d", "\xe2\x80\x99", ")", "]"};
static const Py_ssize_t CLOSER_LEN[] = {1, 1, 3, 3, 1, 1};

/* Whether d[0:n] is not single-spaced: a line feed, or two spaces in a row (no early exit: the
   compiler makes it a vector loop). */
static int unevenly_spaced(const unsigned char *d, Py_ssize_t n)
{
    unsigned bad = 0;
    for (Py_ssize_t i = 0; i + 1 < n; i++)
        bad |= (d[i] == '\n') | ((d[i] == ' ') & (d[i + 1] == ' '));
    return bad || (n && d[n - 1] == '\n');
}

/* One sentence piece d[s:e]: its text collapsed (tokens joined by one space) looked up.  When it is
   single-spaced already (the usual case), that is d[s:e] without the whitespace at its end. */
static int piece(Out *o, const unsigned char *d, Py_ssize_t s, Py_ssize_t e, int32_t body, int32_t par)
{
    const unsigned char *text = d + s;
    Py_ssize_t n = e - s;
    while (n > 0 && SPACE(text[n - 1]))
        n--;
    if ((n && SPACE(text[0])) || unevenly_spaced(text, n)) {
        if (vec_grow(&o->scratch, e - s) < 0)
            return -1;
        char *w = o->scratch.p;
        Py_ssize_t i = s;
        n = 0;
        while (i < e) {
            while (i < e && SPACE(d[i]))
                i++;
            if (i >= e)
                break;
            if (n)
                w[n++] = ' ';
            while (i < e && !SPACE(d[i]))
                w[n++] = (char)d[i++];
        }
        text = (const unsigned char *)w;
    }
    int added;
    int32_t id = table_find(&sentences, text, n, &added);
    if (id < 0)
        return -1;
    return put32(&o->piece_body, body) | put32(&o->piece_par, par) | put32(&o->piece_entry, id);
}

/* A prose block: cut where a sentence ends (batch._sentence_pieces: a terminator, optionally one
   closer, then whitespace; the cut after that whitespace, unless only whitespace follows). */
static int prose(Out *o, const unsigned char *d, Py_ssize_t s, Py_ssize_t e, int32_t body)
{
    int32_t par = o->n_pars++;
    if (put32(&o->par_body, body) < 0)
        return -1;
    Py_ssize_t start = s;
    /* the next ".", "?" and "!" from t on (memchr: sentences are long, terminators few) */
    Py_ssize_t next[3] = {-1, -1, -1};
    static const unsigned char ends[3] = {'.', '?', '!'};
    for (Py_ssize_t t = s; t + 1 < e; t++) {
        for (int j = 0; j < 3; j++) {
            if (next[j] < t) {
                const unsigned char *f = memchr(d + t, ends[j], (size_t)(e - t));
                next[j] = f ? f - d : e;
            }
        }
        t = next[0] < next[1] ? next[0] : next[1];
        if (next[2] < t)
            t = next[2];
        if (t + 1 >= e)
            break;
        Py_ssize_t c = -1;
        if (SPACE(d[t + 1])) {
            c = t + 1;
        } else {
            for (int j = 0; j < 6; j++) {
                Py_ssize_t len = CLOSER_LEN[j];
                if (t + len + 1 < e && memcmp(d + t + 1, CLOSERS[j], (size_t)len) == 0 && SPACE(d[t + len + 1])) {
                    c = t + len + 1;
                    break;
                }
            }
        }
        if (c < 0)
            continue;
        while (c < e && SPACE(d[c]))
            c++;
        if (c >= e)
            break;                  /* only whitespace follows: the last piece */
        if (piece(o, d, start, c, body, par) < 0)
            return -1;
        start = c;
        t = c - 1;                  /* (the closer and the whitespace cut over hold no terminator) */
    }
    return piece(o, d, start, e, body, par);
}

typedef struct { int32_t heads, items, pars, words; int under; } Body;

/* The end of the line starting at `s` (its "\n", or e). */
static Py_ssize_t line_end(const unsigned char *d, Py_ssize_t s, Py_ssize_t e)
{
    const unsigned char *nl = s < e ? memchr(d + s, '\n', (size_t)(e - s)) : NULL;
    return nl ? nl - d : e;
}

/* The line starting at `ls`: its end (*le), and whether it holds a byte but a space, then at
   *first and *last the first and the last such byte. */
static int line_at(const unsigned char *d, Py_ssize_t ls, Py_ssize_t e, Py_ssize_t *le, Py_ssize_t *first,
                   Py_ssize_t *last)
{
    *le = line_end(d, ls, e);
    *first = ls;
    while (*first < *le && d[*first] == ' ')
        ++*first;
    if (*first >= *le)
        return 0;
    *last = *le - 1;
    while (d[*last] == ' ')
        --*last;
    return 1;
}

static int block(Out *o, const unsigned char *d, Py_ssize_t s, Py_ssize_t e, int32_t body, Body *r)
{
    Py_ssize_t lines = 0, bullets = 0, ends = 0, le, first, last;
    for (Py_ssize_t ls = s;; ls = le + 1) {
        if (line_at(d, ls, e, &le, &first, &last)) {
            unsigned char b = d[last];
            lines++;
            ends += b == '.' || b == '!' || b == '?' || b == ':' || b == ';';
            bullets += bullet_end(d, first, le) >= 0;
        }
        if (le >= e)
            break;
    }
    if (!lines)
        return 0;
    if (bullets == lines) {                     /* a list: its items */
        r->items += (int32_t)lines;
        r->words += word_count(d, s, e);
        for (Py_ssize_t ls = s;; ls = le + 1) {
            if (line_at(d, ls, e, &le, &first, &last)) {
                Py_ssize_t at = bullet_end(d, first, le);
                while (at < last + 1 && d[at] == ' ')
                    at++;
                if (put32(&o->item_body, body) | put8(&o->item_under, (uint8_t)r->under)
                        | vec_put(&o->item_data, d + at, last + 1 - at) | put64(&o->item_offsets, o->item_data.n))
                    return -1;
            }
            if (le >= e)
                break;
        }
        return 0;
    }
    if (lines == 1 && !ends) {
        int32_t w = word_count(d, s, e);
        if (w <= HEADING_MAX_WORDS) {
            r->heads++;
            r->words += w;
            r->under = has_checklist(d, s, e);
            return 0;
        }
    }
    r->pars++;
    return prose(o, d, s, e, body);
}

static int read_body(Out *o, const unsigned char *d, Py_ssize_t s, Py_ssize_t e, int32_t body, Body *r)
{
    Py_ssize_t p = s;
    for (;;) {                                  /* blocks: str.split("\n\n") */
        Py_ssize_t q = p;
        for (;;) {
            q = line_end(d, q, e);
            if (q >= e || (q + 1 < e && d[q + 1] == '\n'))
                break;
            q++;
        }
        if (block(o, d, p, q, body, r) < 0)
            return -1;
        if (q >= e)
            return 0;
        p = q + 2;
    }
}

/* ---- the value of an ASCII token (text._values_of) -------------------------------------------- */
/* The CMU syllable table (text._CmuTable): its words sorted, NUL-padded to `cmu_width` bytes, and one
   count each; set by cmu(words, width, counts), its buffers held until the next cmu() call. */
static Py_buffer cmu_words, cmu_counts;
static Py_ssize_t cmu_width, cmu_n;
static int cmu_set;

#define LONG_TOKEN 64          /* text._LONG_TOKEN: a longer token's syllables are counted on its start */

/* The value text._values_of gives the ASCII token t[0:n] (word << SHIFT | syllables, or 0), or -1
   when Python must say (a word the CMU table lacks: pyphen's hyphenation).  textstat's words of the
   token (text._words): each apostrophe dropped unless t, s, d, "ve", "ll" or "re" follows it, then
   every character but a letter, digit, "_" or apostrophe, then lower case; a token without a letter
   counts one syllable, and one with a letter its word's count in the table (at least one). */
static int64_t ascii_value(const unsigned char *t, Py_ssize_t n)
{
    int alnum = 0, letter = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        alnum |= ascii_alnum(t[i]);
    if (!alnum)
        return 0;
    Py_ssize_t cut = n < LONG_TOKEN ? n : LONG_TOKEN;
    for (Py_ssize_t i = 0; i < cut; i++)
        letter |= (unsigned char)((t[i] | 0x20) - 'a') < 26;
    if (!letter)
        return ((int64_t)1 << SHIFT) | 1;
    if (!cmu_set)
        return -1;
    unsigned char word[LONG_TOKEN];
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < cut; i++) {
        unsigned char c = t[i];
        if (c == '\'') {
            unsigned char a = i + 1 < cut ? t[i + 1] : 0, b = i + 2 < cut ? t[i + 2] : 0;
            int keep = a == 't' || a == 's' || a == 'd' || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')
                       || (a == 'r' && b == 'e');
            if (keep)
                word[m++] = c;
        } else if (ascii_alnum(c) || c == '_') {
            word[m++] = ascii_lower(c);
        }
    }
    if (m == 0 || m > cmu_width)
        return -1;
    unsigned char key[4096];
    if (cmu_width > (Py_ssize_t)sizeof key)
        return -1;
    memcpy(key, word, (size_t)m);
    memset(key + m, 0, (size_t)(cmu_width - m));
    const unsigned char *words = cmu_words.buf, *counts = cmu_counts.buf;
    Py_ssize_t lo = 0, hi = cmu_n;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        int c = memcmp(words + mid * cmu_width, key, (size_t)cmu_width);
        if (c == 0) {
            int64_t syllables = counts[mid] ? counts[mid] : 1;
            return ((int64_t)1 << SHIFT) | syllables;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int is_ascii(const unsigned char *p, Py_ssize_t n)
{
    unsigned char any = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        any |= p[i];
    return any < 0x80;
}

static void cmu_release(void)
{
    if (cmu_set) {
        PyBuffer_Release(&cmu_words);
        PyBuffer_Release(&cmu_counts);
        cmu_set = 0;
    }
}

static PyObject *cmu(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer words, counts;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "y*ny*", &words, &width, &counts))
        return NULL;
    if (width <= 0 || width > 4096 || words.len % width || words.len / width != counts.len) {
        PyBuffer_Release(&words);
        PyBuffer_Release(&counts);
        PyErr_SetString(PyExc_ValueError, "cmu: words of `width` bytes, one count (a byte) each");
        return NULL;
    }
    cmu_release();
    cmu_words = words;
    cmu_counts = counts;
    cmu_width = width;
    cmu_n = counts.len;
    cmu_set = 1;
    Py_RETURN_NONE;
}

static PyObject *token_value_of(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer t;
    if (!PyArg_ParseTuple(args, "y*", &t))
        return NULL;
    int64_t v = is_ascii(t.buf, t.len) ? ascii_value(t.buf, t.len) : -1;
    PyBuffer_Release(&t);
    if (v < 0)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(v);
}

/* ---- the values of new sentences ------------------------------------------------------------ */
static PyObject *texts_of(const Table *t, const int32_t *ids, Py_ssize_t n)
{
    PyObject *list = PyList_New(n);
    for (Py_ssize_t i = 0; list && i < n; i++) {
        Py_ssize_t len;
        const unsigned char *p = table_text(t, ids[i], &len);
        PyObject *s = PyUnicode_DecodeUTF8((const char *)p, len, "surrogatepass");
        if (!s) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, s);
    }
    return list;
}

/* Words, syllables, hash and number of the sentences from `first` on: their tokens' values (those
   never met asked of values_of, together), their lower-cased text's hash. */
static int value_sentences(Py_ssize_t first, PyObject *values_of, PyObject *hash_of, Vec *lower)
{
    Py_ssize_t n = table_size(&sentences);
    Vec wanted = {0}, ids = {0};        /* the tokens to ask for; every new sentence's tokens, in order */
    int rc = -1;
    /* the new tokens */
    for (Py_ssize_t i = first; i < n; i++) {
        Py_ssize_t len;
        const unsigned char *p = table_text(&sentences, i, &len);
        for (Py_ssize_t a = 0; a < len;) {
            Py_ssize_t b = a;
            while (b < len && p[b] != ' ')
                b++;
            int added;
            int32_t id = table_find(&tokens, p + a, b - a, &added);
            if (id < 0 || put32(&ids, id) < 0)
                goto done;
            if (added) {
                int64_t v = is_ascii(p + a, b - a) ? ascii_value(p + a, b - a) : -1;
                if (put64(&token_value, v) < 0 || (v < 0 && put32(&wanted, id) < 0))
                    goto done;
            }
            a = b + 1;
        }
    }
    if (wanted.n) {
        PyObject *names = texts_of(&tokens, (const int32_t *)wanted.p, COUNT(wanted, int32_t));
        PyObject *values = names ? PyObject_CallOneArg(values_of, names) : NULL;
        PyObject *seq = values ? PySequence_Fast(values, "values_of: a sequence") : NULL;
        Py_XDECREF(names);
        Py_XDECREF(values);
        if (!seq)
            goto done;
        if (PySequence_Fast_GET_SIZE(seq) != COUNT(wanted, int32_t)) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "values_of: one value a token");
            goto done;
        }
        for (Py_ssize_t i = 0; i < COUNT(wanted, int32_t); i++) {
            int64_t v = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
            if (v == -1 && PyErr_Occurred()) {
                Py_DECREF(seq);
                goto done;
            }
            AT(token_value, int64_t, AT(wanted, int32_t, i)) = v;
        }
        Py_DECREF(seq);
    }
    /* each new sentence: words, syllables, hash, number (its tokens in `ids`: one more than its spaces) */
    const int32_t *next_id = (const int32_t *)ids.p;
    for (Py_ssize_t i = first; i < n; i++) {
        Py_ssize_t len;
        const unsigned char *p = table_text(&sentences, i, &len);
        int64_t words = 0, syllables = 0;
        for (Py_ssize_t a = 0; a < len;) {
            Py_ssize_t b = a;
            while (b < len && p[b] != ' ')
                b++;
            int64_t v = AT(token_value, int64_t, *next_id++);
            words += v >> SHIFT;
            syllables += v & (((int64_t)1 << SHIFT) - 1);
            a = b + 1;
        }
        uint64_t h = 0;
        int plain = 1;              /* no character str.lower changes beyond ASCII */
        if (words > 0) {
            lower->n = 0;
            if (vec_grow(lower, len) < 0)
                goto done;
            unsigned char *l = (unsigned char *)lower->p;
            for (Py_ssize_t j = 0; j < len;) {
                unsigned char c = p[j];
                if (c < 0x80) {
                    l[j++] = ascii_lower(c);
                    continue;
                }
                int k;
                Py_UCS4 cp = decode(p, j, len, &k);
                int same = c >= 0xC0 ? caseless(cp) : 1;
                if (same < 0)
                    goto done;
                if (!same) {
                    plain = 0;
                    break;
                }
                memcpy(l + j, p + j, (size_t)k);
                j += k;
            }
            if (plain) {
                h = XXH3_64bits(l, (size_t)len);
            } else {
                PyObject *s = PyUnicode_DecodeUTF8((const char *)p, len, "surrogatepass");
                PyObject *r = s ? PyObject_CallOneArg(hash_of, s) : NULL;
                Py_XDECREF(s);
                if (!r)
                    goto done;
                h = PyLong_AsUnsignedLongLong(r);
                Py_DECREF(r);
                if (h == (uint64_t)-1 && PyErr_Occurred())
                    goto done;
            }
        }
        if (put64(&sentence_words, words) | put64(&sentence_syllables, syllables) | vec_put(&sentence_hash, &h, 8)
                | put64(&sentence_seen, -1) | put8(&sentence_reported, 0) | put8(&sentence_plain, (uint8_t)plain))
            goto done;
        int32_t number = words > 0 ? number_of(h, (int32_t)i) : (int32_t)i;
        if (number < 0 || put32(&sentence_number, number) < 0)
            goto done;
    }
    rc = 0;
done:
    vec_free(&wanted);
    vec_free(&ids);
    return rc;
}

/* ---- scan ----------------------------------------------------------------------------------- */
static void out_free(Out *o)
{
    Vec *all[] = {&o->heads, &o->items, &o->pars, &o->words, &o->piece_body, &o->piece_par, &o->piece_entry,
                  &o->par_body, &o->item_body, &o->item_under, &o->item_offsets, &o->item_data, &o->scratch,
                  &o->prepared, &o->tmp};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        vec_free(all[i]);
}

static PyObject *bytes_of(const Vec *v) { return PyBytes_FromStringAndSize(v->p ? v->p : "", v->n); }

/* Forget what a failed call added: the sentences and tokens from then on, and their values. */
static void roll_back(Py_ssize_t sentences_before, Py_ssize_t tokens_before, Py_ssize_t valued_before)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    /* the numbers of the sentences forgotten: rebuilt from those kept */
    numbers_reset();
    sentence_words.n = sentence_syllables.n = sentence_hash.n = sentence_seen.n = valued_before * 8;
    sentence_number.n = valued_before * 4;
    sentence_plain.n = sentence_reported.n = valued_before;
    token_value.n = tokens_before * 8;
    if (table_truncate(&sentences, sentences_before) < 0 || table_truncate(&tokens, tokens_before) < 0)
        PyErr_Clear();
    for (Py_ssize_t i = 0; i < valued_before; i++)
        if (AT(sentence_words, int64_t, i) > 0 && number_of(AT(sentence_hash, uint64_t, i), (int32_t)i) < 0)
            PyErr_Clear();
    PyErr_Restore(type, value, tb);
}

static PyObject *scan(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer data, offs;
    PyObject *values_of, *hash_of;
    int report = 0;
    if (!PyArg_ParseTuple(args, "y*y*OO|p", &data, &offs, &values_of, &hash_of, &report))
        return NULL;
    PyObject *result = NULL;
    Out o;
    memset(&o, 0, sizeof o);
    Vec lower = {0}, sums64 = {0}, sums32 = {0}, par_words = {0}, hashes = {0}, hash_offsets = {0}, repeat = {0};
    Vec new_offsets = {0}, new_hashes = {0}, new_data = {0}, report_odd = {0};
    Py_ssize_t n = offs.len / 8 - 1;
    const int64_t *off = offs.buf;
    const unsigned char *d = data.buf;
    Py_ssize_t first_new = table_size(&sentences), tokens_before = table_size(&tokens);
    Py_ssize_t valued_before = COUNT(sentence_words, int64_t);
    if (n < 0 || offs.len % 8) {
        PyErr_SetString(PyExc_ValueError, "offsets: int64, one more than the bodies");
        goto done;
    }
    if (put64(&o.item_offsets, 0) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t s = (Py_ssize_t)off[i], e = (Py_ssize_t)off[i + 1];
        if (s < 0 || e < s || e > data.len) {
            PyErr_SetString(PyExc_ValueError, "offsets out of the data");
            goto done;
        }
        Body r = {0, 0, 0, 0, 0};
        int failed;
        if (irregular(d, s, e))
            failed = prepare(&o.prepared, &o.tmp, d, s, e) < 0
                     || read_body(&o, (const unsigned char *)o.prepared.p, 0, o.prepared.n, (int32_t)i, &r) < 0;
        else
            failed = read_body(&o, d, s, e, (int32_t)i, &r) < 0;
        if (failed || put32(&o.heads, r.heads) | put32(&o.items, r.items) | put32(&o.pars, r.pars)
                      | put32(&o.words, r.words))
            goto done;
    }
    if (value_sentences(first_new, values_of, hash_of, &lower) < 0)
        goto done;
    {
        /* per body: prose words, syllables (int64); sentences, long ones, the longest block, distinct (int32) */
        Py_ssize_t pieces = COUNT(o.piece_entry, int32_t), pars = o.n_pars;
        const int32_t *pb = (const int32_t *)o.piece_body.p, *pp = (const int32_t *)o.piece_par.p,
                      *pe = (const int32_t *)o.piece_entry.p, *parb = (const int32_t *)o.par_body.p;
        if (vec_grow(&sums64, 16 * n) < 0 || vec_grow(&sums32, 16 * n) < 0 || vec_grow(&par_words, 8 * pars) < 0
                || vec_grow(&repeat, pieces) < 0)
            goto done;
        memset(sums64.p, 0, (size_t)(16 * n));
        memset(sums32.p, 0, (size_t)(16 * n));
        memset(par_words.p, 0, (size_t)(8 * pars));
        int64_t *prose_words = (int64_t *)sums64.p, *syllables = prose_words + n, *pw = (int64_t *)par_words.p;
        int32_t *count = (int32_t *)sums32.p, *longs = count + n, *longest = longs + n, *distinct = longest + n;
        const int64_t *words = (const int64_t *)sentence_words.p, *sylls = (const int64_t *)sentence_syllables.p;
        const uint64_t *hv = (const uint64_t *)sentence_hash.p;
        const int32_t *num = (const int32_t *)sentence_number.p;
        int64_t *seen = (int64_t *)sentence_seen.p;
        for (Py_ssize_t i = 0; i < pieces; i++) {
            int64_t w = words[pe[i]];
            prose_words[pb[i]] += w;
            syllables[pb[i]] += sylls[pe[i]];
            pw[pp[i]] += w;
            if (w > 0) {
                count[pb[i]]++;
                longs[pb[i]] += w > LONG_WORDS;
            }
        }
        for (Py_ssize_t p = 0; p < pars; p++)
            if (pw[p] > longest[parb[p]])
                longest[parb[p]] = (int32_t)pw[p];
        /* each body's hashes: the distinct ones first, then the repeats (pieces are in body order) */
        if (put32(&hash_offsets, 0) < 0)
            goto done;
        Py_ssize_t at = 0;
        for (Py_ssize_t b = 0; b < n; b++) {
            Py_ssize_t end = at;
            while (end < pieces && pb[end] == b)
                end++;
            int64_t st = stamp++;
            for (Py_ssize_t i = at; i < end; i++) {
                repeat.p[i] = 1;
                if (words[pe[i]] <= 0)
                    continue;
                int32_t k = num[pe[i]];
                repeat.p[i] = seen[k] == st;
                if (!repeat.p[i]) {
                    seen[k] = st;
                    distinct[b]++;
                    if (vec_put(&hashes, &hv[pe[i]], 8) < 0)
                        goto done;
                }
            }
            for (Py_ssize_t i = at; i < end; i++)
                if (words[pe[i]] > 0 && repeat.p[i] && vec_put(&hashes, &hv[pe[i]], 8) < 0)
                    goto done;
            if (put32(&hash_offsets, (int32_t)COUNT(hashes, uint64_t)) < 0)
                goto done;
            at = end;
        }
        /* with `report`, the sentences never reported since the table was emptied, in order */
        uint8_t *reported = (uint8_t *)sentence_reported.p;
        if (put64(&new_offsets, 0) < 0)
            goto done;
        for (Py_ssize_t i = 0; report && i < pieces; i++) {
            int32_t k = pe[i];
            if (words[k] <= 0 || reported[k])
                continue;
            reported[k] = 1;
            Py_ssize_t len;
            const unsigned char *p = table_text(&sentences, k, &len);
            if (vec_grow(&new_data, len) < 0)
                goto done;
            unsigned char *w = (unsigned char *)new_data.p + new_data.n;
            if (AT(sentence_plain, uint8_t, k)) {           /* lower-cased here: A-Z only */
                for (Py_ssize_t j = 0; j < len; j++)
                    w[j] = ascii_lower(p[j]);
            } else {
                memcpy(w, p, (size_t)len);
                if (put32(&report_odd, (int32_t)COUNT(new_hashes, uint64_t)) < 0)
                    goto done;
            }
            new_data.n += len;
            if (put64(&new_offsets, new_data.n) < 0 || vec_put(&new_hashes, &hv[k], 8) < 0)
                goto done;
        }
        Vec per[] = {{(char *)prose_words, 8 * n, 0}, {(char *)syllables, 8 * n, 0}, {(char *)count, 4 * n, 0},
                     {(char *)longs, 4 * n, 0}, {(char *)longest, 4 * n, 0}, {(char *)distinct, 4 * n, 0}};
        result = Py_BuildValue("(NNNNNNNNNNNNNNNNNNNN)", bytes_of(&o.heads), bytes_of(&o.items), bytes_of(&o.pars),
                               bytes_of(&o.words), bytes_of(&per[0]), bytes_of(&per[1]), bytes_of(&per[2]),
                               bytes_of(&per[3]), bytes_of(&per[4]), bytes_of(&hash_offsets), bytes_of(&hashes),
                               bytes_of(&per[5]), bytes_of(&o.item_body), bytes_of(&o.item_under),
                               bytes_of(&o.item_offsets), bytes_of(&o.item_data), bytes_of(&new_hashes),
                               bytes_of(&new_offsets), bytes_of(&new_data), bytes_of(&report_odd));
    }
done:
    if (!result)
        roll_back(first_new, tokens_before, valued_before);
    out_free(&o);
    Vec *all[] = {&lower, &sums64, &sums32, &par_words, &hashes, &hash_offsets, &repeat, &new_offsets, &new_hashes, &new_data,
                  &report_odd};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        vec_free(all[i]);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offs);
    return result;
}

static PyObject *size(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return PyLong_FromSsize_t(table_size(&sentences));
}

static PyObject *text_bytes(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return PyLong_FromSsize_t(sentences.arena.n + tokens.arena.n);
}

static PyObject *reset(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    table_free(&sentences);
    table_free(&tokens);
    Vec *all[] = {&sentence_words, &sentence_syllables, &sentence_hash, &sentence_number, &sentence_seen,
                  &sentence_reported, &sentence_plain, &token_value};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        vec_free(all[i]);
    numbers_reset();
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "The quality signals of bodies (see the module's source)."},
    {"size", size, METH_NOARGS, "Sentences in the table."},
    {"text_bytes", text_bytes, METH_NOARGS, "Bytes of text the two tables hold."},
    {"reset", reset, METH_NOARGS, "Empty the tables."},
    {"cmu", cmu, METH_VARARGS, "cmu(words, width, counts): the CMU syllable table (text._CmuTable's buffers)."},
    {"token_value", token_value_of, METH_VARARGS,
     "token_value(bytes): text._values_of's value of an ASCII token, or None where Python must say."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastsignals", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fastsignals(void)
{
    build_classes();
    return PyModule_Create(&module);
}
