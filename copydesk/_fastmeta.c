/* copydesk._fastmeta: the fast path's match of a page the template printed, in C.
 *
 * match(data: bytes) gives what copydesk.fastpage._match(data, "\1") gives for a page whose meta box
 * matches fastpage._META as it is (keys in the format's order, "  • " bullets, plain numbers, valid
 * ISO dates, no unknown keys), after the only two changes its bytes may need (a UTF-8 BOM dropped,
 * CRLF line ends read as LF), and None for every other page: copydesk.fastpage then reads it in
 * Python (fastpage._match), as it reads every page when this module is not built.
 *
 * So this code needs to be right only where it says yes.  Each step below names the Python it stands
 * for; where it is not sure the Python gives the same (a character outside ASCII where the Python
 * reads Unicode whitespace or case, say), it says no.  tests/test_fastmeta.py and
 * bench/parser_diff.py compare it with the Python on every page of generated and mutated corpora.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct { Py_ssize_t start, end; } Span;     /* end < 0: the group did not match ("\1") */

/* fastpage._CHECK: every control byte but \n and \t becomes NUL; \t and every byte that can end the
 * UTF-8 of a whitespace character become a space; E, T, A become lower case. */
static unsigned char CHECK[256];

static void build_check(void)
{
    static const unsigned char space_ends[] = {0x20, 0x85, 0xA0, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                               0x87, 0x88, 0x89, 0x8A, 0xA8, 0xA9, 0xAF, 0x9F};
    for (int b = 0; b < 256; b++) {
        int space = (b == 9);
        for (size_t i = 0; i < sizeof space_ends; i++)
            space |= (b == space_ends[i]);
        if (space)
            CHECK[b] = 32;
        else if ((b < 32 && b != 10) || b == 127)
            CHECK[b] = 0;
        else if (b == 'E' || b == 'T' || b == 'A')
            CHECK[b] = (unsigned char)(b + 32);
        else
            CHECK[b] = (unsigned char)b;
    }
}

/* The code point at p[i] (valid UTF-8, i < n), and its length in bytes. */
static Py_UCS4 code_point(const unsigned char *p, Py_ssize_t i, int *len)
{
    unsigned char c = p[i];
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    if (c < 0xE0) {
        *len = 2;
        return ((Py_UCS4)(c & 0x1F) << 6) | (p[i + 1] & 0x3F);
    }
    if (c < 0xF0) {
        *len = 3;
        return ((Py_UCS4)(c & 0x0F) << 12) | ((Py_UCS4)(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
    }
    *len = 4;
    return ((Py_UCS4)(c & 0x07) << 18) | ((Py_UCS4)(p[i + 1] & 0x3F) << 12)
           | ((Py_UCS4)(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
}

/* The regular expression's \s (and str.strip()'s whitespace): Python's own test. */
static int space_at(const unsigned char *p, Py_ssize_t i, Py_ssize_t n)
{
    int len;
    if (i >= n)
        return 0;
    return Py_UNICODE_ISSPACE(code_point(p, i, &len));
}

/* A match of fastpage._META, as it goes. */
typedef struct {
    const unsigned char *p;
    Py_ssize_t n, pos;
} Cursor;

static int lit(Cursor *c, const char *text)
{
    size_t len = strlen(text);
    if ((size_t)(c->n - c->pos) < len || memcmp(c->p + c->pos, text, len) != 0)
        return 0;
    c->pos += (Py_ssize_t)len;
    return 1;
}

/* The end of the line at pos (the place of its \n), or -1 when no \n follows. */
static Py_ssize_t line_end(const Cursor *c, Py_ssize_t pos)
{
    const unsigned char *at = memchr(c->p + pos, '\n', (size_t)(c->n - pos));
    return at == NULL ? -1 : (Py_ssize_t)(at - c->p);
}

/* (\S[^\n]*)\n */
static int value(Cursor *c, Span *g)
{
    if (c->pos >= c->n || space_at(c->p, c->pos, c->n))
        return 0;
    Py_ssize_t e = line_end(c, c->pos);
    if (e < 0)
        return 0;
    g->start = c->pos;
    g->end = e;
    c->pos = e + 1;
    return 1;
}

/* (\S[^\n]*)?\n */
static int optional_value(Cursor *c, Span *g)
{
    if (c->pos < c->n && c->p[c->pos] == '\n') {
        g->start = g->end = -1;
        c->pos++;
        return 1;
    }
    return value(c, g);
}

/* A line of its own: its text from pos to its \n, which is kept. */
static int rest_of_line(Cursor *c, Span *g)
{
    Py_ssize_t e = line_end(c, c->pos);
    if (e < 0)
        return 0;
    g->start = c->pos;
    g->end = e;
    c->pos = e + 1;
    return 1;
}

static int all_digits(const unsigned char *p, Py_ssize_t start, Py_ssize_t end)
{
    for (Py_ssize_t i = start; i < end; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

/* ([0-9]{lo,hi})\n */
static int digits(Cursor *c, Span *g, Py_ssize_t lo, Py_ssize_t hi)
{
    if (!rest_of_line(c, g))
        return 0;
    Py_ssize_t len = g->end - g->start;
    return len >= lo && len <= hi && all_digits(c->p, g->start, g->end);
}

/* (100|[0-9]{1,2})\n */
static int score(Cursor *c, Span *g)
{
    if (!rest_of_line(c, g))
        return 0;
    Py_ssize_t len = g->end - g->start;
    if (len == 3)
        return memcmp(c->p + g->start, "100", 3) == 0;
    return len >= 1 && len <= 2 && all_digits(c->p, g->start, g->end);
}

/* ([01])\n */
static int flag(Cursor *c, Span *g)
{
    if (!rest_of_line(c, g))
        return 0;
    return g->end - g->start == 1 && (c->p[g->start] == '0' || c->p[g->start] == '1');
}

/* ([0-9]{1,18}|[0-9]{1,3}(?:,[0-9]{3}){1,5})\n */
static int view_count(Cursor *c, Span *g)
{
    if (!rest_of_line(c, g))
        return 0;
    const unsigned char *p = c->p;
    Py_ssize_t len = g->end - g->start;
    if (len >= 1 && len <= 18 && all_digits(p, g->start, g->end))
        return 1;
    Py_ssize_t comma = g->start;
    while (comma < g->end && p[comma] != ',')
        comma++;
    Py_ssize_t head = comma - g->start, tail = g->end - comma;
    if (head < 1 || head > 3 || !all_digits(p, g->start, comma) || tail % 4 != 0 || tail < 4 || tail > 20)
        return 0;
    for (Py_ssize_t i = comma; i < g->end; i += 4)
        if (p[i] != ',' || !all_digits(p, i + 1, i + 4))
            return 0;
    return 1;
}

#define BULLET "  \xe2\x80\xa2 "                        /* "  • " */
#define DEEP_BULLET "    \xe2\x80\xa2 "                 /* "    • " */

/* ((?:  • \S[^\n]*\n)*): the items of a plain list, as one block.  An item that does not match ends
 * the block; the key that must follow then fails (no key starts with a space). */
static void list_block(Cursor *c, Span *g)
{
    g->start = c->pos;
    for (;;) {
        Cursor at = *c;
        Span item;
        if (!lit(&at, BULLET) || !value(&at, &item))
            break;
        *c = at;
    }
    g->end = c->pos;
}

/* ((?:    • name: \S[^\n]*\n    • type: \S[^\n]*\n)*) */
static void entity_block(Cursor *c, Span *g)
{
    g->start = c->pos;
    for (;;) {
        Cursor at = *c;
        Span item;
        if (!lit(&at, DEEP_BULLET "name: ") || !value(&at, &item) || !lit(&at, DEEP_BULLET "type: ")
            || !value(&at, &item))
            break;
        *c = at;
    }
    g->end = c->pos;
}

enum {
    G_SITE, G_TOPIC, G_SUMMARY, G_O_CONTEXT, G_O_PROBLEM, G_O_STACK, G_O_ACTION, G_AI_BRIEF, G_STACK,
    G_TOOLS, G_CODE_LANGUAGE, G_DIFFICULTY, G_READING_TIME, G_VIEW_COUNT, G_SCORE_QUALITY,
    G_SCORE_FRESHNESS, G_SCORE_DEPTH, G_SCORE_CLARITY, G_STATUS, G_VERSION, G_LAST_REVIEWED, G_REFERENCE,
    G_CONTENT_HASH, G_AI_GENERATED_STYLE, G_HAS_IMAGES, G_IMAGE_HEAVY, G_NEEDS_HUMAN_REVIEW, G_CHECKLIST,
    G_ENTITIES, G_POST_ID, G_GENERATOR, G_PARAGRAPHS, G_SCENARIO, G_SEED, G_NOTES, N_GROUPS
};

/* fastpage._NOT_HEADER_START's characters but whitespace: the bullets. */
static int bullet_char(Py_UCS4 ch)
{
    return ch == 0x2022 || ch == '-' || ch == '*' || ch == 0x00B7 || ch == 0x2023 || ch == 0x25AA
           || ch == 0x25E6;
}

/* The last code point of p[start:end] (valid UTF-8, start < end). */
static Py_UCS4 last_code_point(const unsigned char *p, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t i = end - 1;
    while (i > start && (p[i] & 0xC0) == 0x80)
        i--;
    int len;
    return code_point(p, i, &len);
}

/* fastpage._META.match(meta), meta = p[0:n]: its groups in g, and where the match ends. */
/* (?:  • last reviewed: ([0-9]{4}-[0-9]{2}-[0-9]{2}|never)\n)?, or with `any` (?:  • last reviewed:
 * (\S[^\n]*)\n)?: a line that starts so but does not match leaves "reference" to match there, which
 * fails (as every key after it, and the payload's). */
static int last_reviewed(Cursor *c, Span *d, int any)
{
    if (!lit(c, BULLET "last reviewed: "))
        return 1;
    if (any)
        return value(c, d);
    if (!rest_of_line(c, d))
        return 0;
    const unsigned char *p = c->p, *v = p + d->start;
    Py_ssize_t vlen = d->end - d->start;
    int iso = vlen == 10 && all_digits(p, d->start, d->start + 4) && v[4] == '-'
              && all_digits(p, d->start + 5, d->start + 7) && v[7] == '-' && all_digits(p, d->start + 8, d->start + 10);
    return iso || (vlen == 5 && memcmp(v, "never", 5) == 0);
}

/* fastpage._META.match(meta), meta = p[0:n], or with `any` fastpage._META_ANY.match(meta) (a block
 * but the payload may be missing; a number, date or flag may be any value): its groups in g (end < 0:
 * did not take part), and where the match ends.
 *
 * A block is missing when its key's line is not there.  A key that is there but whose block does not
 * match fails the whole match, as it fails the regular expression: skipping the block would leave
 * the key's line where no other block's key matches (no key starts another). */
static int match_meta(const unsigned char *p, Py_ssize_t n, Span *g, Py_ssize_t *match_end, int any)
{
    Cursor cur = {p, n, 0}, *c = &cur;
    /* ({_NOT_HEADER_START}(?:[^\n]*\S)?) post meta\n\n: the header line is the one the caller found
     * " post meta\n" in, so the site is all of the line before it. */
    Py_ssize_t e = line_end(c, 0);
    if (e < 10 || memcmp(p + e - 10, " post meta", 10) != 0 || e + 1 >= n || p[e + 1] != '\n')
        return 0;
    Py_ssize_t site_end = e - 10;
    if (site_end < 1)
        return 0;
    int len;
    Py_UCS4 first = code_point(p, 0, &len);
    if (Py_UNICODE_ISSPACE(first) || bullet_char(first))
        return 0;
    if (len < site_end && Py_UNICODE_ISSPACE(last_code_point(p, 0, site_end)))
        return 0;
    for (int i = 0; i < N_GROUPS; i++)
        g[i].start = g[i].end = -1;
    g[G_SITE].start = 0;
    g[G_SITE].end = site_end;
    c->pos = e + 2;
/* a block: its key's line (and its first bullet's label), then `matched`; missing only with `any` */
#define BLOCK(key, matched)                     \
    if (lit(c, key)) {                          \
        if (!(matched))                         \
            return 0;                           \
    } else if (!any)                            \
        return 0;
/* a number, date or flag: as the template prints it, or (any) any value, `scalar`: or none */
#define TYPED(strict, span, scalar) (any ? ((scalar) ? optional_value(c, span) : value(c, span)) : (strict))
    BLOCK("topic", optional_value(c, &g[G_TOPIC]))
    BLOCK("summary", optional_value(c, &g[G_SUMMARY]))
    BLOCK("ai outline\n" BULLET "context: ",
          value(c, &g[G_O_CONTEXT]) && lit(c, BULLET "problem: ") && value(c, &g[G_O_PROBLEM])
          && lit(c, BULLET "stack: ") && value(c, &g[G_O_STACK])
          && lit(c, BULLET "recommended action: ") && value(c, &g[G_O_ACTION]))
    BLOCK("ai brief", optional_value(c, &g[G_AI_BRIEF]))
    BLOCK("stack\n", (list_block(c, &g[G_STACK]), 1))
    BLOCK("tools\n", (list_block(c, &g[G_TOOLS]), 1))
    BLOCK("code language", optional_value(c, &g[G_CODE_LANGUAGE]))
    BLOCK("difficulty", optional_value(c, &g[G_DIFFICULTY]))
    BLOCK("reading time", TYPED(digits(c, &g[G_READING_TIME], 1, 5), &g[G_READING_TIME], 1))
    BLOCK("view count", TYPED(view_count(c, &g[G_VIEW_COUNT]), &g[G_VIEW_COUNT], 1))
    BLOCK("score\n" BULLET "quality: ",
          TYPED(score(c, &g[G_SCORE_QUALITY]), &g[G_SCORE_QUALITY], 0)
          && lit(c, BULLET "freshness: ") && TYPED(score(c, &g[G_SCORE_FRESHNESS]), &g[G_SCORE_FRESHNESS], 0)
          && lit(c, BULLET "depth: ") && TYPED(score(c, &g[G_SCORE_DEPTH]), &g[G_SCORE_DEPTH], 0)
          && lit(c, BULLET "clarity: ") && TYPED(score(c, &g[G_SCORE_CLARITY]), &g[G_SCORE_CLARITY], 0))
    BLOCK("revision\n" BULLET "status: ",
          value(c, &g[G_STATUS]) && lit(c, BULLET "version: ") && value(c, &g[G_VERSION])
          && last_reviewed(c, &g[G_LAST_REVIEWED], any))
    BLOCK("reference", optional_value(c, &g[G_REFERENCE]))
    BLOCK("hash", optional_value(c, &g[G_CONTENT_HASH]))
    BLOCK("flags\n" BULLET "ai generated style: ",
          TYPED(flag(c, &g[G_AI_GENERATED_STYLE]), &g[G_AI_GENERATED_STYLE], 0)
          && lit(c, BULLET "has images: ") && TYPED(flag(c, &g[G_HAS_IMAGES]), &g[G_HAS_IMAGES], 0)
          && lit(c, BULLET "image heavy: ") && TYPED(flag(c, &g[G_IMAGE_HEAVY]), &g[G_IMAGE_HEAVY], 0)
          && lit(c, BULLET "needs human review: ")
          && TYPED(flag(c, &g[G_NEEDS_HUMAN_REVIEW]), &g[G_NEEDS_HUMAN_REVIEW], 0))
    BLOCK("checklist\n", (list_block(c, &g[G_CHECKLIST]), 1))
    BLOCK("entities\n", (entity_block(c, &g[G_ENTITIES]), 1))
    /* the payload: never missing (its source id is the post's id) */
    if (!(lit(c, "payload\n" BULLET "source id: ") && value(c, &g[G_POST_ID])
          && lit(c, BULLET "generator: ") && value(c, &g[G_GENERATOR])
          && lit(c, BULLET "paragraphs: ") && TYPED(digits(c, &g[G_PARAGRAPHS], 1, 9), &g[G_PARAGRAPHS], 0)
          && lit(c, BULLET "scenario: ") && value(c, &g[G_SCENARIO])
          && lit(c, BULLET "seed: ") && TYPED(digits(c, &g[G_SEED], 1, 18), &g[G_SEED], 0)))
        return 0;
    BLOCK("notes\n", (list_block(c, &g[G_NOTES]), 1))
#undef BLOCK
#undef TYPED
    /* \nSimilar Posts(?:\n|\Z) */
    if (!lit(c, "\nSimilar Posts"))
        return 0;
    if (c->pos < n) {
        if (p[c->pos] != '\n')
            return 0;
        c->pos++;
    }
    *match_end = c->pos;
    return 1;
}

/* datetime.date.fromisoformat() of YYYY-MM-DD (digits already checked). */
static int valid_date(const unsigned char *v)
{
    int year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
    int month = (v[5] - '0') * 10 + (v[6] - '0');
    int day = (v[8] - '0') * 10 + (v[9] - '0');
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return 0;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap);
}

static Py_ssize_t count_of(const unsigned char *p, Py_ssize_t start, Py_ssize_t end, const char *text)
{
    size_t len = strlen(text);
    Py_ssize_t count = 0;
    const unsigned char *at = p + start, *stop = p + end;
    while ((size_t)(stop - at) >= len) {
        const unsigned char *found = memmem(at, (size_t)(stop - at), text, len);
        if (found == NULL)
            break;
        count++;
        at = found + len;
    }
    return count;
}

/* The length of the UTF-8 sequence at p[i] when it is one bytes.decode("utf-8") accepts (no overlong
 * form, no surrogate, nothing above U+10FFFF), else 0. */
static int utf8_length(const unsigned char *p, Py_ssize_t i, Py_ssize_t n)
{
    unsigned char c = p[i];
    if (c >= 0xC2 && c <= 0xDF)
        return i + 1 < n && (p[i + 1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (i + 2 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] >= 0xA0))
            return 0;                                       /* overlong; surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (i + 3 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 || (p[i + 3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] >= 0x90))
            return 0;                                       /* overlong; above U+10FFFF */
        return 4;
    }
    return 0;
}

/* The page's bytes pass the checks of fastpage._match on data.translate(_CHECK) (no control byte,
 * no line that may end in whitespace, exactly one line ending in "eta" in any case, which is not the
 * last) and are UTF-8.  Eight bytes at a time where they are all printable ASCII (most of a page). */
static int checked(const unsigned char *p, Py_ssize_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    Py_ssize_t eta = 0, i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((((w - 0x20 * ones) | w | (w + ones)) & highs) == 0) {     /* all in 0x20-0x7e */
                i += 8;
                continue;
            }
        }
        Py_ssize_t stop = i + 8 < n ? i + 8 : n;
        while (i < stop) {
            unsigned char b = p[i];
            if (b >= 0x80) {
                int len = utf8_length(p, i, n);
                if (len == 0)
                    return 0;
                i += len;
                continue;
            }
            if (b == '\n') {
                if (i > 0 && CHECK[p[i - 1]] == ' ')
                    return 0;
                if (i >= 3 && CHECK[p[i - 3]] == 'e' && CHECK[p[i - 2]] == 't' && CHECK[p[i - 1]] == 'a')
                    eta++;
            } else if (CHECK[b] == 0)
                return 0;
            i++;
        }
    }
    if (n == 0 || CHECK[p[n - 1]] == ' ' || eta != 1)
        return 0;
    return !(n >= 3 && CHECK[p[n - 3]] == 'e' && CHECK[p[n - 2]] == 't' && CHECK[p[n - 1]] == 'a');
}

static PyObject *blake2b, *sha256, *digest_kwargs, *empty_tuple;

/* match(data) on a copy of the bytes, or on them: see the module's docstring.  Returns None where
 * the Python must decide; NULL on an error. */
/* A copy of m[0:n] with every `old` replaced by `new` (bytes.replace; str.replace reads UTF-8 alike),
 * its length in *out_n; NULL when out of memory. */
static unsigned char *replaced(const unsigned char *m, Py_ssize_t n, const char *old, const char *new,
                               Py_ssize_t *out_n)
{
    size_t old_n = strlen(old), new_n = strlen(new);
    Py_ssize_t count = count_of(m, 0, n, old);
    unsigned char *out = PyMem_Malloc((size_t)(n + count * ((Py_ssize_t)new_n - (Py_ssize_t)old_n)) + 1);
    if (out == NULL)
        return NULL;
    Py_ssize_t i = 0, o = 0;
    while (i < n) {
        const unsigned char *found = memmem(m + i, (size_t)(n - i), old, old_n);
        Py_ssize_t upto = found == NULL ? n : found - m;
        memcpy(out + o, m + i, (size_t)(upto - i));
        o += upto - i;
        if (found == NULL)
            break;
        memcpy(out + o, new, new_n);
        o += (Py_ssize_t)new_n;
        i = upto + (Py_ssize_t)old_n;
    }
    *out_n = o;
    return out;
}

/* fastpage._OTHER_BULLETS, in its order */
static const char *OTHER_BULLETS[][2] = {
    {"\n\t\t" "\xe2\x80\xa2 ", "\n" DEEP_BULLET}, {"\n\t" "\xe2\x80\xa2 ", "\n" BULLET},
    {"\n    - ", "\n" DEEP_BULLET}, {"\n    * ", "\n" DEEP_BULLET}, {"\n  - ", "\n" BULLET},
    {"\n  * ", "\n" BULLET},
};

/* The meta box's keys in fastpage._KEYS's order (a block's rank), parse.SCALAR_KEYS and parse.LIST_KEYS
 * (tests/test_fastmeta.py compares them with the Python's). */
static const char *KEYS[] = {"topic", "summary", "ai outline", "ai brief", "stack", "tools", "code language",
                             "difficulty", "reading time", "view count", "score", "revision", "reference",
                             "hash", "flags", "checklist", "entities", "payload", "notes"};
static const char *SCALAR_KEYS[] = {"topic", "summary", "ai brief", "code language", "difficulty",
                                    "reading time", "view count", "reference", "hash"};
static const char *LIST_KEYS[] = {"stack", "tools", "checklist", "notes", "score", "flags", "revision",
                                  "payload", "ai outline", "entities"};
#define N_KEYS (sizeof KEYS / sizeof KEYS[0])
#define N_SCALAR_KEYS (sizeof SCALAR_KEYS / sizeof SCALAR_KEYS[0])
#define N_LIST_KEYS (sizeof LIST_KEYS / sizeof LIST_KEYS[0])

static int rank_of(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(KEYS[i], key) == 0)
            return (int)i;
    return -1;
}

/* The rank of a block whose first line starts with low[0:n] (lower case; all of it is low[0:whole], or
 * whole is 0), or -1 for a key the format does not know: a list key is the whole line; a scalar key (a
 * block of one line) starts it, the longest first (parse.SCALAR_KEY). */
static int block_rank(const char *low, size_t whole, size_t n, int one_line)
{
    for (size_t i = 0; i < N_LIST_KEYS; i++)
        if (strlen(LIST_KEYS[i]) == whole && memcmp(LIST_KEYS[i], low, whole) == 0)
            return rank_of(LIST_KEYS[i]);
    if (!one_line)
        return -1;
    const char *best = NULL;
    for (size_t i = 0; i < N_SCALAR_KEYS; i++) {
        size_t k = strlen(SCALAR_KEYS[i]);
        if (k <= n && memcmp(SCALAR_KEYS[i], low, k) == 0 && (best == NULL || k > strlen(best)))
            best = SCALAR_KEYS[i];
    }
    return best == NULL ? -1 : rank_of(best);
}

#define MOST_BLOCKS 64

/* fastpage._extra_of, set by configure(): the extra_meta of a box's unknown blocks, or None */
static PyObject *extra_of;

/* The extra_meta of the unknown blocks of m (joined by \n) as fastpage._extra_of gives it: 1 and
 * *extra (UTF-8 bytes, a new reference; NULL for none, "\1"); 0 when it gives None (the Python's
 * _rearranged then gives None); -1 when the C cannot tell (it raised: the Python then raises the same). */
static int unknown_extra(const unsigned char *m, const Span *unknown, int count, PyObject **extra)
{
    Py_ssize_t size = count - 1;
    for (int i = 0; i < count; i++)
        size += unknown[i].end - unknown[i].start;
    unsigned char *text = PyMem_Malloc((size_t)size + 1);
    if (text == NULL || extra_of == NULL) {
        PyMem_Free(text);
        return -1;
    }
    Py_ssize_t o = 0;
    for (int i = 0; i < count; i++) {
        if (i > 0)
            text[o++] = '\n';
        memcpy(text + o, m + unknown[i].start, (size_t)(unknown[i].end - unknown[i].start));
        o += unknown[i].end - unknown[i].start;
    }
    PyObject *arg = PyUnicode_DecodeUTF8((const char *)text, size, "strict");
    PyMem_Free(text);
    PyObject *got = arg == NULL ? NULL : PyObject_CallOneArg(extra_of, arg);
    Py_XDECREF(arg);
    if (got == Py_None) {
        Py_DECREF(got);
        return 0;
    }
    if (got == NULL || !PyUnicode_Check(got)) {
        PyErr_Clear();
        Py_XDECREF(got);
        return -1;
    }
    *extra = PyUnicode_CompareWithASCIIString(got, "\1") == 0 ? NULL : PyUnicode_AsUTF8String(got);
    int ok = PyUnicode_CompareWithASCIIString(got, "\1") == 0 || *extra != NULL;
    Py_DECREF(got);
    if (!ok)
        PyErr_Clear();
    return ok ? 1 : -1;
}

/* fastpage._rearranged: a copy of the meta box with its known blocks (a line that is no bullet, nor
 * starts like one, and the lines after it) in the format's order, stable, and its unknown blocks left
 * out (their extra_meta in *extra: unknown_extra); NULL when the Python gives None (nothing to
 * rearrange), or reads the box with its own functions (a key line outside ASCII, which str.lower()
 * may read otherwise; unknown blocks it declines), or out of memory (*failed set). */
static unsigned char *rearranged(const unsigned char *m, Py_ssize_t n, Py_ssize_t *out_n, int *failed,
                                 PyObject **extra, int *declined)
{
    const unsigned char *f = memmem(m, (size_t)n, "\n\n", 2);
    if (f == NULL)
        return NULL;
    Py_ssize_t at = f - m + 2;
    const unsigned char *e = memmem(m + at, (size_t)(n - at), "\n\nSimilar Posts", 15);
    if (e == NULL)
        return NULL;
    Py_ssize_t end = e - m;
    Span blocks[MOST_BLOCKS], unknown[MOST_BLOCKS];
    int ranks[MOST_BLOCKS], count = 0, unknowns = 0;
    Py_ssize_t from = at;
    for (Py_ssize_t i = at; i <= end; i++) {
        int split = i == end;
        if (!split && m[i] == '\n' && i + 1 < end) {           /* _BLOCK_START: \n(?=_NOT_HEADER_START) */
            int len;
            Py_UCS4 ch = code_point(m, i + 1, &len);
            split = !Py_UNICODE_ISSPACE(ch) && !bullet_char(ch);
        }
        if (!split)
            continue;
        if (i > from) {                                         /* (an empty block is skipped) */
            if (count + unknowns == MOST_BLOCKS) {
                *declined = 1;
                return NULL;
            }
            const unsigned char *nl = memchr(m + from, '\n', (size_t)(i - from));
            Py_ssize_t line_n = (nl == NULL ? i : nl - m) - from;
            /* the line's start in lower case, as far as a key goes: str.lower() maps each character
             * alone, but a character outside ASCII may become ASCII ("\u212a" is "k") */
            char low[32];
            Py_ssize_t low_n = line_n < (Py_ssize_t)sizeof low ? line_n : (Py_ssize_t)sizeof low - 1;
            for (Py_ssize_t k = 0; k < low_n; k++) {
                unsigned char b = m[from + k];
                if (b >= 0x80) {
                    *declined = 1;
                    return NULL;
                }
                low[k] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            }
            /* (a longer line is no list key, which is a whole line of at most 10 characters) */
            int rank = block_rank(low, (size_t)(line_n == low_n ? low_n : 0), (size_t)low_n, nl == NULL);
            if (rank < 0) {                                     /* a key the format does not know */
                unknown[unknowns].start = from;
                unknown[unknowns++].end = i;
                from = i + 1;
                continue;
            }
            blocks[count].start = from;
            blocks[count].end = i;
            ranks[count++] = rank;
        }
        from = i + 1;
    }
    int sorted = 1;
    for (int i = 1; i < count; i++)
        sorted &= ranks[i - 1] <= ranks[i];
    if (sorted && !unknowns)
        return NULL;
    if (unknowns) {
        int got = unknown_extra(m, unknown, unknowns, extra);
        if (got <= 0) {
            *declined = got < 0;
            return NULL;
        }
    }
    for (int i = 1; i < count; i++) {                           /* insertion sort: stable */
        Span b = blocks[i];
        int r = ranks[i], j = i - 1;
        for (; j >= 0 && ranks[j] > r; j--) {
            blocks[j + 1] = blocks[j];
            ranks[j + 1] = ranks[j];
        }
        blocks[j + 1] = b;
        ranks[j + 1] = r;
    }
    unsigned char *out = PyMem_Malloc((size_t)n + 1);          /* (at most as long: a \n between blocks) */
    if (out == NULL) {
        Py_CLEAR(*extra);
        *failed = 1;
        return NULL;
    }
    Py_ssize_t o = at;
    memcpy(out, m, (size_t)at);
    for (int i = 0; i < count; i++) {
        if (i > 0)
            out[o++] = '\n';
        memcpy(out + o, m + blocks[i].start, (size_t)(blocks[i].end - blocks[i].start));
        o += blocks[i].end - blocks[i].start;
    }
    memcpy(out + o, m + end, (size_t)(n - end));
    *out_n = o + n - end;
    return out;
}

/* fastpage._read_groups, set by configure(): the values of a match read by the full parser's readers */
static PyObject *read_groups;

/* The groups of a match (str; "\1": did not take part) read by fastpage._read_groups: a new tuple
 * (values: a tuple of N_GROUPS str, warnings: a tuple of str), or NULL when the C cannot tell (no
 * function, it raised, or gave something else: the Python then reads the page). */
static PyObject *read_values(const unsigned char *meta, const Span *g)
{
    PyObject *groups = PyTuple_New(N_GROUPS), *got = NULL, *out = NULL;
    if (groups == NULL || read_groups == NULL)
        goto done;
    for (int i = 0; i < N_GROUPS; i++) {
        PyObject *v = g[i].end < 0 ? PyUnicode_FromString("\1")
                                   : PyUnicode_DecodeUTF8((const char *)meta + g[i].start, g[i].end - g[i].start, "strict");
        if (v == NULL)
            goto done;
        PyTuple_SET_ITEM(groups, i, v);
    }
    got = PyObject_CallOneArg(read_groups, groups);
    if (got == NULL || !PyTuple_Check(got) || PyTuple_GET_SIZE(got) != 2)
        goto done;
    PyObject *values = PySequence_Tuple(PyTuple_GET_ITEM(got, 0));
    PyObject *warnings = values == NULL ? NULL : PySequence_Tuple(PyTuple_GET_ITEM(got, 1));
    int ok = warnings != NULL && PyTuple_GET_SIZE(values) == N_GROUPS;
    for (Py_ssize_t i = 0; ok && i < N_GROUPS; i++)
        ok = PyUnicode_Check(PyTuple_GET_ITEM(values, i));
    for (Py_ssize_t i = 0; ok && i < PyTuple_GET_SIZE(warnings); i++)
        ok = PyUnicode_Check(PyTuple_GET_ITEM(warnings, i));
    if (ok)
        out = PyTuple_Pack(2, values, warnings);
    Py_XDECREF(values);
    Py_XDECREF(warnings);
done:
    Py_XDECREF(groups);
    Py_XDECREF(got);
    if (out == NULL)
        PyErr_Clear();
    return out;
}

static PyObject *read_page(const unsigned char *p, Py_ssize_t n, Py_ssize_t start, const unsigned char *meta,
                           Py_ssize_t meta_n, Span *g, Py_ssize_t match_end, PyObject *extra, int any);

static PyObject *match_bytes(const unsigned char *p, Py_ssize_t n)
{
    /* The checks of fastpage._match on data.translate(_CHECK): no control byte, no line that may end
     * in whitespace, exactly one line ending in "eta" (any case), which is not the last; and
     * bytes.decode("utf-8") of the page succeeds. */
    if (!checked(p, n))
        Py_RETURN_NONE;
    const unsigned char *header = memmem(p, (size_t)n, " post meta\n", 11);
    if (header == NULL)
        Py_RETURN_NONE;
    Py_ssize_t at = header - p, start = at;
    while (start > 0 && p[start - 1] != '\n')
        start--;
    const unsigned char *meta = p + start;
    Py_ssize_t meta_n = n - start, match_end;
    Span g[N_GROUPS];
    if (match_meta(meta, meta_n, g, &match_end, 0))
        return read_page(p, n, start, meta, meta_n, g, match_end, NULL, 0);
    /* the format's other bullets, as the usual ones; then the blocks in the format's order */
    unsigned char *owned[2] = {NULL, NULL};
    PyObject *extra = NULL;
    int matched = 0, failed = 0, declined = 0, any = 0;
    if (memchr(meta, '\t', (size_t)meta_n) || memmem(meta, (size_t)meta_n, "  - ", 4)
        || memmem(meta, (size_t)meta_n, "  * ", 4)) {
        for (size_t i = 0; i < sizeof OTHER_BULLETS / sizeof OTHER_BULLETS[0] && !failed; i++) {
            Py_ssize_t out_n;
            unsigned char *out = replaced(meta, meta_n, OTHER_BULLETS[i][0], OTHER_BULLETS[i][1], &out_n);
            if (out == NULL) {
                failed = 1;
                break;
            }
            PyMem_Free(owned[0]);
            owned[0] = out;
            meta = out;
            meta_n = out_n;
        }
        matched = !failed && match_meta(meta, meta_n, g, &match_end, 0);
    }
    if (!matched && !failed) {
        Py_ssize_t out_n;
        owned[1] = rearranged(meta, meta_n, &out_n, &failed, &extra, &declined);
        if (owned[1] != NULL) {
            meta = owned[1];
            meta_n = out_n;
            matched = match_meta(meta, meta_n, g, &match_end, 0);
        }
    }
    if (!matched && !failed && !declined)           /* fastpage._META_ANY, its values read by the Python */
        matched = any = match_meta(meta, meta_n, g, &match_end, 1);
    PyObject *result;
    if (failed)
        result = PyErr_NoMemory();
    else if (!matched) {
        result = Py_None;
        Py_INCREF(result);
    } else
        result = read_page(p, n, start, meta, meta_n, g, match_end, extra, any);
    Py_XDECREF(extra);
    PyMem_Free(owned[0]);
    PyMem_Free(owned[1]);
    return result;
}

/* The page's values once its meta box (meta[0:meta_n]: the page's from p[start], or a copy put as
 * the template prints it) matched, with groups g, up to match_end: the rest of fastpage._match. */
static PyObject *read_page(const unsigned char *p, Py_ssize_t n, Py_ssize_t start, const unsigned char *meta,
                           Py_ssize_t meta_n, Span *g, Py_ssize_t match_end, PyObject *extra, int any)
{
    if (memchr(meta, '\t', (size_t)meta_n) != NULL)
        Py_RETURN_NONE;
    /* "similar posts" in meta[m.end():].lower(): said in ASCII only */
    for (Py_ssize_t i = match_end; i < meta_n; i++)
        if (meta[i] >= 0x80)
            Py_RETURN_NONE;
    for (Py_ssize_t i = match_end; i + 13 <= meta_n; i++)
        if (PyOS_strnicmp((const char *)meta + i, "similar posts", 13) == 0)
            Py_RETURN_NONE;
    /* _HEAD.match(head): the blank and chrome lines before the title; the title, stripped */
    Py_ssize_t scan = 0, title_at = 0;
    while (scan < start && (p[scan] == ' ' || p[scan] == '\t' || p[scan] == '\n' || p[scan] == '|')) {
        if (p[scan] == '\n')
            title_at = scan + 1;
        scan++;
    }
    if (scan >= start || space_at(p, scan, n))
        Py_RETURN_NONE;
    const unsigned char *nl = memchr(p + title_at, '\n', (size_t)(start - title_at));
    if (nl == NULL)
        Py_RETURN_NONE;
    Py_ssize_t title_end = nl - p, t0 = title_at, t1 = title_end;
    while (t0 < t1 && (p[t0] == ' ' || p[t0] == '\t'))
        t0++;
    if (t0 >= t1 || space_at(p, t0, n) || Py_UNICODE_ISSPACE(last_code_point(p, t0, t1)))
        Py_RETURN_NONE;
    /* the entities' text holds no bullet of theirs (fastpage.columns splits on it) */
    Span *ent = &g[G_ENTITIES];
    if (ent->end >= 0
        && count_of(meta, ent->start, ent->end, DEEP_BULLET) != count_of(meta, ent->start, ent->end, "\n"))
        Py_RETURN_NONE;
    /* the values as the full parser's readers read them, with their warnings (fastpage._read_groups):
     * those of a match of _META_ANY, or a date that does not exist (parse_date warns) */
    Span *last = &g[G_LAST_REVIEWED];
    PyObject *read = NULL, *values = NULL, *warnings = NULL;
    if (any || (last->end >= 0 && last->end - last->start == 10 && !valid_date(meta + last->start))) {
        read = read_values(meta, g);
        if (read == NULL)
            Py_RETURN_NONE;
        values = PyTuple_GET_ITEM(read, 0);
        warnings = PyTuple_GET_ITEM(read, 1);
        any = 1;
    }
    /* the body: the lines between the title and the meta header, without blank lines at either end */
    Py_ssize_t b0 = title_end + 1, b1 = start;
    while (b0 < b1 && p[b0] == '\n')
        b0++;
    while (b1 > b0 && p[b1 - 1] == '\n')
        b1--;
    /* blake2b(title + "\n" + body, digest_size=16) */
    PyObject *result = NULL, *hex = NULL, *joined = NULL, *body = NULL, *post_id = NULL, *warned = NULL;
    Py_ssize_t title_n = t1 - t0, body_n = b1 - b0;
    PyObject *hashed = PyBytes_FromStringAndSize(NULL, title_n + 1 + body_n);
    if (hashed == NULL)
        goto done;
    char *h = PyBytes_AS_STRING(hashed);
    memcpy(h, p + t0, (size_t)title_n);
    h[title_n] = '\n';
    memcpy(h + title_n + 1, p + b0, (size_t)body_n);
    PyObject *args = PyTuple_Pack(1, hashed);
    Py_DECREF(hashed);
    if (args == NULL)
        goto done;
    PyObject *digest = PyObject_Call(blake2b, args, digest_kwargs);
    Py_DECREF(args);
    if (digest == NULL)
        goto done;
    hex = PyObject_CallMethod(digest, "hexdigest", NULL);
    Py_DECREF(digest);
    Py_ssize_t hex_n;
    const char *hex_text = hex == NULL ? NULL : PyUnicode_AsUTF8AndSize(hex, &hex_n);
    if (hex_text == NULL)
        goto done;
    /* the warnings joined by "\2" ("\1": none) */
    if (read != NULL && PyTuple_GET_SIZE(warnings) > 0) {
        PyObject *sep = PyUnicode_FromString("\2");
        PyObject *text = sep == NULL ? NULL : PyUnicode_Join(sep, warnings);
        Py_XDECREF(sep);
        warned = text == NULL ? NULL : PyUnicode_AsUTF8String(text);
        Py_XDECREF(text);
        if (warned == NULL)
            goto done;
    }
    /* the values joined by NUL: title, article hash, the groups ("\1": none), extra_meta, warnings */
    const char *value[N_GROUPS];
    Py_ssize_t value_n[N_GROUPS];
    for (int i = 0; i < N_GROUPS; i++) {
        if (read != NULL) {
            value[i] = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(values, i), &value_n[i]);
            if (value[i] == NULL)
                goto done;
        } else if (g[i].end < 0) {
            value[i] = "\1";
            value_n[i] = 1;
        } else {
            value[i] = (const char *)meta + g[i].start;
            value_n[i] = g[i].end - g[i].start;
        }
    }
    Py_ssize_t extra_n = extra == NULL ? 1 : PyBytes_GET_SIZE(extra);
    Py_ssize_t warned_n = warned == NULL ? 1 : PyBytes_GET_SIZE(warned);
    Py_ssize_t total = title_n + 1 + hex_n + 1 + extra_n + 1 + warned_n;
    for (int i = 0; i < N_GROUPS; i++)
        total += value_n[i] + 1;
    joined = PyBytes_FromStringAndSize(NULL, total);
    if (joined == NULL)
        goto done;
    char *out = PyBytes_AS_STRING(joined);
    memcpy(out, p + t0, (size_t)title_n);
    out += title_n;
    *out++ = '\0';
    memcpy(out, hex_text, (size_t)hex_n);
    out += hex_n;
    for (int i = 0; i < N_GROUPS; i++) {
        *out++ = '\0';
        memcpy(out, value[i], (size_t)value_n[i]);
        out += value_n[i];
    }
    *out++ = '\0';
    memcpy(out, extra == NULL ? "\1" : PyBytes_AS_STRING(extra), (size_t)extra_n);
    out += extra_n;
    *out++ = '\0';
    memcpy(out, warned == NULL ? "\1" : PyBytes_AS_STRING(warned), (size_t)warned_n);
    body = PyBytes_FromStringAndSize((const char *)p + b0, body_n);
    post_id = PyUnicode_DecodeUTF8((const char *)meta + g[G_POST_ID].start, g[G_POST_ID].end - g[G_POST_ID].start,
                                   "strict");
    if (body != NULL && post_id != NULL)
        result = PyTuple_Pack(5, body, joined, post_id, read == NULL ? empty_tuple : warnings,
                              any ? Py_True : Py_False);
done:
    Py_XDECREF(hex);
    Py_XDECREF(warned);
    Py_XDECREF(joined);
    Py_XDECREF(body);
    Py_XDECREF(post_id);
    Py_XDECREF(read);
    return result;
}

static PyObject *match(PyObject *module, PyObject *arg)
{
    (void)module;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "match() takes bytes");
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(arg);
    Py_ssize_t n = PyBytes_GET_SIZE(arg);
    if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {       /* decode(): a UTF-8 BOM is dropped */
        p += 3;
        n -= 3;
    }
    if (memchr(p, '\r', (size_t)n) == NULL)
        return match_bytes(p, n);
    /* decode(): CRLF line ends become \n (a lone \r is a control byte: no match) */
    unsigned char *copy = PyMem_Malloc(n > 0 ? (size_t)n : 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
            continue;
        copy[m++] = p[i];
    }
    PyObject *result = match_bytes(copy, m);
    PyMem_Free(copy);
    return result;
}

/* One file's bytes, as copydesk.importer._read reads them when all goes well: NULL (no exception) when
 * that read would not give exactly the file (it cannot be opened or read, is no regular file, is larger
 * than max_bytes, or changed size meanwhile): the Python then reads it again and says why.  *mtime_ns:
 * the file's modification time when a later import may trust it (importer.RECENT_NS), else -1. */
static PyObject *read_file(PyObject *path, Py_ssize_t max_bytes, long long recent_ns, long long *mtime_ns)
{
    PyObject *encoded = PyUnicode_EncodeFSDefault(path);
    if (encoded == NULL) {
        PyErr_Clear();
        return NULL;
    }
    const char *name = PyBytes_AS_STRING(encoded);
    if ((Py_ssize_t)strlen(name) != PyBytes_GET_SIZE(encoded)) {       /* (a NUL: os.open refuses it) */
        Py_DECREF(encoded);
        return NULL;
    }
    PyObject *data = NULL;
    struct stat st;
    int fd, ok = 0;
    Py_BEGIN_ALLOW_THREADS
    fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= max_bytes;
        if (!ok)
            close(fd);
    }
    Py_END_ALLOW_THREADS
    Py_DECREF(encoded);
    if (!ok)
        return NULL;
    Py_ssize_t size = (Py_ssize_t)st.st_size;
    data = PyBytes_FromStringAndSize(NULL, size + 1);
    if (data == NULL) {
        close(fd);
        return NULL;                    /* (MemoryError: raised) */
    }
    ssize_t got;
    Py_BEGIN_ALLOW_THREADS
    do {
        got = read(fd, PyBytes_AS_STRING(data), (size_t)size + 1);
    } while (got < 0 && errno == EINTR);
    close(fd);
    Py_END_ALLOW_THREADS
    if (got != size) {                  /* an error, a short read, or the file grew: the Python's */
        Py_DECREF(data);
        return NULL;
    }
    if (_PyBytes_Resize(&data, size) < 0)
        return NULL;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    long long now_ns = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
    *mtime_ns = now_ns - mtime >= recent_ns ? mtime : -1;
    return data;
}

/* read_pages(paths, max_bytes, recent_ns): copydesk.importer's read, sha256 and fast-path match of pages
 * named by their paths, none of them known to the database (importer._read_pages).  Returns lists, one
 * entry per path: (kinds, results, sha256s, sizes, mtimes, post ids, warning counts, messages), where
 * kinds[i] is 0 when the page matched (results[i]: match()'s tuple; the ledger's post id, warning count
 * and message are given), 1 when it was read but did not match (results[i]: its bytes; the Python reads
 * it), 2 when the Python must read it itself (results[i] and the rest None). */
static PyObject *read_pages(PyObject *module, PyObject *args)
{
    PyObject *paths;
    Py_ssize_t max_bytes;
    long long recent_ns;
    if (!PyArg_ParseTuple(args, "O!nL", &PyList_Type, &paths, &max_bytes, &recent_ns))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(paths);
    PyObject *kinds = PyBytes_FromStringAndSize(NULL, n);
    PyObject *lists[7] = {NULL};
    PyObject *result = NULL;
    if (kinds == NULL)
        return NULL;
    for (int j = 0; j < 7; j++) {
        lists[j] = PyList_New(n);
        if (lists[j] == NULL)
            goto done;
        for (Py_ssize_t i = 0; i < n; i++)
            PyList_SET_ITEM(lists[j], i, Py_NewRef(Py_None));
    }
    PyObject *results = lists[0], *shas = lists[1], *sizes = lists[2], *mtimes = lists[3], *ids = lists[4],
             *counts = lists[5], *messages = lists[6];
    char *kind = PyBytes_AS_STRING(kinds);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *path = PyList_GET_ITEM(paths, i);
        long long mtime = -1;
        kind[i] = 2;
        if (!PyUnicode_Check(path))
            continue;
        PyObject *data = read_file(path, max_bytes, recent_ns, &mtime);
        if (data == NULL) {
            if (PyErr_Occurred())
                goto done;
            continue;
        }
        Py_ssize_t size = PyBytes_GET_SIZE(data);
        PyObject *hash = PyObject_CallOneArg(sha256, data);
        PyObject *hex = hash == NULL ? NULL : PyObject_CallMethod(hash, "hexdigest", NULL);
        Py_XDECREF(hash);
        PyObject *found = hex == NULL ? NULL : match(module, data);
        if (found == NULL && (hex == NULL || PyErr_Occurred())) {
            Py_DECREF(data);
            Py_XDECREF(hex);
            goto done;
        }
        PyList_SetItem(shas, i, hex);
        PyList_SetItem(sizes, i, PyLong_FromSsize_t(size));
        PyList_SetItem(mtimes, i, mtime < 0 ? Py_NewRef(Py_None) : PyLong_FromLongLong(mtime));
        if (PyErr_Occurred()) {                     /* (no memory for an int) */
            Py_DECREF(data);
            Py_DECREF(found);
            goto done;
        }
        if (found == Py_None) {
            Py_DECREF(found);
            kind[i] = 1;
            PyList_SetItem(results, i, data);
            continue;
        }
        Py_DECREF(data);
        kind[i] = 0;
        PyObject *warnings = PyTuple_GET_ITEM(found, 3);
        Py_ssize_t warned = PyObject_Length(warnings);
        PyList_SetItem(ids, i, Py_NewRef(PyTuple_GET_ITEM(found, 2)));
        PyList_SetItem(counts, i, PyLong_FromSsize_t(warned < 0 ? 0 : warned));
        PyList_SetItem(results, i, found);
        if (warned > 0) {                           /* "; ".join(warnings)[:2000] */
            PyObject *sep = PyUnicode_FromString("; ");
            PyObject *joined = sep == NULL ? NULL : PyUnicode_Join(sep, warnings);
            Py_XDECREF(sep);
            PyObject *message = joined == NULL ? NULL : PyUnicode_Substring(joined, 0, 2000);
            Py_XDECREF(joined);
            if (message == NULL)
                goto done;
            PyList_SetItem(messages, i, message);
        }
        if (warned < 0 || PyErr_Occurred())
            goto done;
    }
    result = PyTuple_Pack(8, kinds, lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6]);
done:
    Py_DECREF(kinds);
    for (int j = 0; j < 7; j++)
        Py_XDECREF(lists[j]);
    return result;
}

/* split(joined, k): the values of matches joined by NUL (fastpage._JOINED; each holds k), as k Arrow
 * string columns: (validity bitmap or None, int32 offsets, UTF-8 data, null count) each, as bytes; a
 * value "\1" is NULL.  What pa.array(joined).split_pattern("\0") and a take per column give, in one
 * pass.  ValueError when a match does not split into k values; OverflowError past int32 offsets. */
static PyObject *split(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *seq;
    int k;
    if (!PyArg_ParseTuple(args, "Oi", &seq, &k) || k < 1)
        return k < 1 && !PyErr_Occurred() ? PyErr_Format(PyExc_ValueError, "k must be positive") : NULL;
    PyObject *items = PySequence_Fast(seq, "split() takes a sequence of bytes");
    if (items == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    PyObject **values = PySequence_Fast_ITEMS(items);
    PyObject *result = NULL;
    Py_ssize_t *sizes = PyMem_Calloc((size_t)k, sizeof(Py_ssize_t));
    Py_ssize_t *nulls = PyMem_Calloc((size_t)k, sizeof(Py_ssize_t));
    PyObject **validity = PyMem_Calloc((size_t)k, sizeof(PyObject *));
    PyObject **offsets = PyMem_Calloc((size_t)k, sizeof(PyObject *));
    PyObject **data = PyMem_Calloc((size_t)k, sizeof(PyObject *));
    if (sizes == NULL || nulls == NULL || validity == NULL || offsets == NULL || data == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* the bytes and NULLs of each column */
    for (Py_ssize_t r = 0; r < n; r++) {
        if (!PyBytes_Check(values[r])) {
            PyErr_SetString(PyExc_TypeError, "split() takes a sequence of bytes");
            goto done;
        }
        const char *v = PyBytes_AS_STRING(values[r]), *end = v + PyBytes_GET_SIZE(values[r]);
        for (int c = 0; c < k; c++) {
            const char *stop = memchr(v, '\0', (size_t)(end - v));
            if ((stop == NULL) != (c == k - 1)) {
                PyErr_SetString(PyExc_ValueError, "fastpage: a match does not split into its values");
                goto done;
            }
            if (stop == NULL)
                stop = end;
            if (stop - v == 1 && *v == '\1')
                nulls[c]++;
            else
                sizes[c] += stop - v;
            v = stop + 1;
        }
    }
    for (int c = 0; c < k; c++) {
        if (sizes[c] > INT32_MAX) {
            PyErr_SetString(PyExc_OverflowError, "fastpage: a column of more than 2 GiB");
            goto done;
        }
        offsets[c] = PyBytes_FromStringAndSize(NULL, (n + 1) * (Py_ssize_t)sizeof(int32_t));
        data[c] = PyBytes_FromStringAndSize(NULL, sizes[c]);
        if (offsets[c] == NULL || data[c] == NULL)
            goto done;
        if (nulls[c]) {
            validity[c] = PyBytes_FromStringAndSize(NULL, (n + 7) / 8);
            if (validity[c] == NULL)
                goto done;
            memset(PyBytes_AS_STRING(validity[c]), 0, (size_t)((n + 7) / 8));
        }
        ((int32_t *)PyBytes_AS_STRING(offsets[c]))[0] = 0;
        sizes[c] = 0;                                             /* (now: bytes written) */
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        const char *v = PyBytes_AS_STRING(values[r]), *end = v + PyBytes_GET_SIZE(values[r]);
        for (int c = 0; c < k; c++) {
            const char *stop = c == k - 1 ? end : memchr(v, '\0', (size_t)(end - v));
            if (!(stop - v == 1 && *v == '\1')) {
                memcpy(PyBytes_AS_STRING(data[c]) + sizes[c], v, (size_t)(stop - v));
                sizes[c] += stop - v;
                if (validity[c] != NULL)
                    ((unsigned char *)PyBytes_AS_STRING(validity[c]))[r / 8] |= (unsigned char)(1 << (r % 8));
            }
            ((int32_t *)PyBytes_AS_STRING(offsets[c]))[r + 1] = (int32_t)sizes[c];
            v = stop + 1;
        }
    }
    result = PyList_New(k);
    if (result == NULL)
        goto done;
    for (int c = 0; c < k; c++) {
        PyObject *column = Py_BuildValue("(OOOn)", validity[c] ? validity[c] : Py_None, offsets[c], data[c], nulls[c]);
        if (column == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, c, column);
    }
done:
    for (int c = 0; validity != NULL && offsets != NULL && data != NULL && c < k; c++) {
        Py_XDECREF(validity[c]);
        Py_XDECREF(offsets[c]);
        Py_XDECREF(data[c]);
    }
    PyMem_Free(sizes);
    PyMem_Free(nulls);
    PyMem_Free(validity);
    PyMem_Free(offsets);
    PyMem_Free(data);
    Py_DECREF(items);
    return result;
}

static PyObject *configure(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *extra, *read;
    if (!PyArg_ParseTuple(args, "OO", &extra, &read))
        return NULL;
    Py_XSETREF(extra_of, Py_NewRef(extra));
    Py_XSETREF(read_groups, Py_NewRef(read));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(extra_of, read_groups): the Python functions that give the extra_meta of a meta box's "
     "unknown blocks (fastpage._extra_of) and read a match's values with the full parser's readers "
     "(fastpage._read_groups); without them, such pages are the Python's."},
    {"split", split, METH_VARARGS,
     "split(joined: list[bytes], k: int) -> list of k (validity | None, offsets, data, null count): the "
     "NUL-joined values of matches as Arrow string columns' buffers ('\\1' is NULL)."},
    {"read_pages", read_pages, METH_VARARGS,
     "read_pages(paths: list[str], max_bytes: int, recent_ns: int) -> (kinds, results, sha256s, sizes, mtimes, "
     "post ids, warning counts, messages): pages read, hashed and matched as copydesk.importer reads them "
     "(kinds[i]: 0 matched, 1 read but not matched, 2 for the Python to read)."},
    {"match", match, METH_O,
     "match(data: bytes) -> tuple | None: copydesk.fastpage._match(data, '\\1') for a page whose meta "
     "box matches fastpage._META as it is; None for any other page (the Python reads it)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "copydesk._fastmeta",
    "The fast path's match of a page the template printed, in C (see copydesk/_fastmeta.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastmeta(void)
{
    build_check();
    PyObject *hashlib = PyImport_ImportModule("hashlib");
    if (hashlib == NULL)
        return NULL;
    blake2b = PyObject_GetAttrString(hashlib, "blake2b");
    sha256 = PyObject_GetAttrString(hashlib, "sha256");
    Py_DECREF(hashlib);
    if (blake2b == NULL || sha256 == NULL)
        return NULL;
    digest_kwargs = Py_BuildValue("{s:i}", "digest_size", 16);
    empty_tuple = PyTuple_New(0);
    if (digest_kwargs == NULL || empty_tuple == NULL)
        return NULL;
    return PyModule_Create(&module);
}
