/*
 * Optional C accelerator for tagged export formats (MEDLINE, RIS).
 *
 * Why C: grouping "TAG - value" lines into tag -> [values] is the one loop of the readers
 * that runs once per line (about 80 lines per PubMed record); in Python it costs more
 * than everything else in parsing together (measured), and no maintained package does it.
 * screening/readers/tagged.py and medline_split.py hold the pure-Python versions of its
 * two functions, used when this module is not built; property tests check that both give
 * the same results.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static int
is_upper_or_digit(Py_UCS4 ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static int
is_trailing_space(Py_UCS4 ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/*
 * Tag names repeat on every record: a small open-addressing table maps the (at most four)
 * characters of a tag to one interned str, so no string is made per line for its tag.
 * Longer tags are made and interned each time.
 */
#define KEY_SLOTS 512
static struct {
    Py_UCS4 chars[4];
    Py_ssize_t len;
    PyObject *key;
} key_cache[KEY_SLOTS];

static PyObject *
cached_key(PyObject *text, int kind, const void *data, Py_ssize_t start, Py_ssize_t len)
{
    Py_UCS4 chars[4] = {0, 0, 0, 0};
    size_t h = (size_t)len;
    if (len > 4) {
        goto uncached;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        chars[i] = PyUnicode_READ(kind, data, start + i);
        h = h * 131 + chars[i];
    }
    for (size_t probe = 0; probe < KEY_SLOTS; probe++) {
        size_t slot = (h + probe) % KEY_SLOTS;
        if (key_cache[slot].key == NULL) {
            PyObject *key = PyUnicode_Substring(text, start, start + len);
            if (key == NULL) {
                return NULL;
            }
            PyUnicode_InternInPlace(&key);
            memcpy(key_cache[slot].chars, chars, sizeof(chars));
            key_cache[slot].len = len;
            key_cache[slot].key = key;  /* the cache keeps one reference for good */
            Py_INCREF(key);
            return key;
        }
        if (key_cache[slot].len == len && memcmp(key_cache[slot].chars, chars, sizeof(chars)) == 0) {
            Py_INCREF(key_cache[slot].key);
            return key_cache[slot].key;
        }
    }
    /* table full (more than KEY_SLOTS distinct tags): make the key the slow way */
uncached:;
    PyObject *key = PyUnicode_Substring(text, start, start + len);
    if (key != NULL) {
        PyUnicode_InternInPlace(&key);
    }
    return key;
}

/*
 * A new list holding `value`, for result[key]. The list, and the finished dict of such
 * lists, are untracked by the garbage collector, as CPython itself does for tuples and
 * dicts of strings: they hold only str (a dict that later gets a container is tracked
 * again by CPython). Without this, the garbage collector went through every list of a
 * chunk's records again and again: 30% of the time of splitting MEDLINE (measured).
 */
static PyObject *
new_value_list(PyObject *value)
{
    PyObject *values = PyList_New(1);
    if (values == NULL) {
        return NULL;
    }
    Py_INCREF(value);
    PyList_SET_ITEM(values, 0, value);
    PyObject_GC_UnTrack(values);
    return values;
}

/* Append `value` to result[key]. */
static int
append_value(PyObject *result, PyObject *key, PyObject *value)
{
    PyObject *values = PyDict_GetItemWithError(result, key); /* borrowed */
    if (values != NULL) {
        return PyList_Append(values, value);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    values = new_value_list(value);
    if (values == NULL) {
        return -1;
    }
    int failed = PyDict_SetItem(result, key, values);
    Py_DECREF(values);
    return failed;
}

/*
 * group_tag_lines(text, tag_width, sep) -> dict[str, list[str]] | None
 *
 * Every line must be a tag left-justified in `tag_width` characters, then `sep`, then
 * the value; the separator's trailing spaces may be missing when the value is empty.
 * Returns None as soon as a line does not fit, so the caller can take its slow path.
 */
static PyObject *
group_tag_lines(PyObject *self, PyObject *args)
{
    PyObject *text, *sep;
    Py_ssize_t tag_width;
    if (!PyArg_ParseTuple(args, "UnU:group_tag_lines", &text, &tag_width, &sep)) {
        return NULL;
    }
    if (tag_width < 1) {
        PyErr_SetString(PyExc_ValueError, "tag_width must be at least 1");
        return NULL;
    }
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const Py_ssize_t sep_len = PyUnicode_GET_LENGTH(sep);
    const int sep_kind = PyUnicode_KIND(sep);
    const void *sep_data = PyUnicode_DATA(sep);
    const Py_ssize_t value_offset = tag_width + sep_len;

    PyObject *result = PyDict_New();
    if (result == NULL) {
        return NULL;
    }
    Py_ssize_t start = 0;
    while (start < n) {
        Py_ssize_t end = PyUnicode_FindChar(text, '\n', start, n, 1);
        if (end == -2) {
            goto error;
        }
        if (end == -1) {
            end = n;
        }
        const Py_ssize_t len = end - start;
        /* the tag: upper-case letters and digits, then only padding spaces */
        if (len <= tag_width || !(PyUnicode_READ(kind, data, start) >= 'A'
                                  && PyUnicode_READ(kind, data, start) <= 'Z')) {
            goto mismatch;
        }
        Py_ssize_t key_len = 1;
        while (key_len < tag_width && is_upper_or_digit(PyUnicode_READ(kind, data, start + key_len))) {
            key_len++;
        }
        for (Py_ssize_t i = key_len; i < tag_width; i++) {
            if (PyUnicode_READ(kind, data, start + i) != ' ') {
                goto mismatch;
            }
        }
        /* the separator; missing trailing characters are allowed only if they are spaces */
        for (Py_ssize_t i = 0; i < sep_len; i++) {
            Py_UCS4 expected = PyUnicode_READ(sep_kind, sep_data, i);
            if (tag_width + i >= len) {
                if (expected != ' ') {
                    goto mismatch;
                }
                continue;
            }
            if (PyUnicode_READ(kind, data, start + tag_width + i) != expected) {
                goto mismatch;
            }
        }
        Py_ssize_t value_start = start + value_offset;
        Py_ssize_t value_end = end;
        if (value_start > value_end) {
            value_start = value_end;
        }
        while (value_end > value_start && is_trailing_space(PyUnicode_READ(kind, data, value_end - 1))) {
            value_end--;
        }
        PyObject *key = cached_key(text, kind, data, start, key_len);
        if (key == NULL) {
            goto error;
        }
        PyObject *value = PyUnicode_Substring(text, value_start, value_end);
        if (value == NULL) {
            Py_DECREF(key);
            goto error;
        }
        int failed = append_value(result, key, value);
        Py_DECREF(value);
        Py_DECREF(key);
        if (failed) {
            goto error;
        }
        start = end + 1;
    }
    PyObject_GC_UnTrack(result);  /* see new_value_list */
    return result;

mismatch:
    Py_DECREF(result);
    Py_RETURN_NONE;
error:
    Py_DECREF(result);
    return NULL;
}


/* Whether line [ls, le) is a MEDLINE tag line; sets *key_len. */
static int
medline_tag_line(int kind, const void *data, Py_ssize_t ls, Py_ssize_t le, Py_ssize_t *key_len)
{
    const Py_ssize_t len = le - ls;
    if (len < 5) {
        return 0;
    }
    Py_UCS4 first = PyUnicode_READ(kind, data, ls);
    if (!(first >= 'A' && first <= 'Z')) {
        return 0;
    }
    Py_ssize_t k = 1;
    while (k < 4 && is_upper_or_digit(PyUnicode_READ(kind, data, ls + k))) {
        k++;
    }
    if (k < 2) {
        return 0;
    }
    for (Py_ssize_t i = k; i < 4; i++) {
        if (PyUnicode_READ(kind, data, ls + i) != ' ') {
            return 0;
        }
    }
    if (PyUnicode_READ(kind, data, ls + 4) != '-') {
        return 0;
    }
    if (len > 5 && PyUnicode_READ(kind, data, ls + 5) != ' ') {
        return 0;
    }
    *key_len = k;
    return 1;
}

static int
is_blank(Py_UCS4 ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/*
 * The text of one value: `n` pieces of `text` (its first line and its continuation lines,
 * already trimmed) joined by one space, built in one allocation.
 */
typedef struct {
    Py_ssize_t start, end;
} span;

static PyObject *
joined_value(PyObject *text, int kind, const void *data, const span *pieces, Py_ssize_t n)
{
    if (n == 1) {
        return PyUnicode_Substring(text, pieces[0].start, pieces[0].end);
    }
    Py_ssize_t length = n - 1;
    const int ascii = PyUnicode_IS_ASCII(text);
    Py_UCS4 max_char = ascii ? 127 : ' ';
    for (Py_ssize_t p = 0; p < n; p++) {
        length += pieces[p].end - pieces[p].start;
        if (!ascii && (kind != PyUnicode_1BYTE_KIND || max_char < 128)) {
            /* the exact maximum: a str must use the narrowest kind that holds it */
            for (Py_ssize_t i = pieces[p].start; i < pieces[p].end; i++) {
                Py_UCS4 ch = PyUnicode_READ(kind, data, i);
                if (ch > max_char) {
                    max_char = ch;
                }
            }
        }
    }
    PyObject *value = PyUnicode_New(length, max_char);
    if (value == NULL) {
        return NULL;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t p = 0; p < n; p++) {
        if (p > 0) {
            PyUnicode_WRITE(PyUnicode_KIND(value), PyUnicode_DATA(value), at, ' ');
            at++;
        }
        Py_ssize_t len = pieces[p].end - pieces[p].start;
        if (PyUnicode_CopyCharacters(value, at, text, pieces[p].start, len) < 0) {
            Py_DECREF(value);
            return NULL;
        }
        at += len;
    }
    return value;
}

/* Append the value whose pieces are `pieces[0:n]` to result[key]. */
static int
medline_store(PyObject *result, PyObject *key, PyObject *text, int kind, const void *data,
              const span *pieces, Py_ssize_t n)
{
    PyObject *value = joined_value(text, kind, data, pieces, n);
    if (value == NULL) {
        return -1;
    }
    int failed = append_value(result, key, value);
    Py_DECREF(value);
    return failed;
}

/* Offset of the next newline in [from, n), or -1; memchr for one-byte text. */
static Py_ssize_t
find_newline(PyObject *text, int kind, const void *data, Py_ssize_t from, Py_ssize_t n)
{
    if (kind == PyUnicode_1BYTE_KIND) {
        const char *base = (const char *)data;
        const char *found = memchr(base + from, '\n', n - from);
        return found == NULL ? -1 : found - base;
    }
    return PyUnicode_FindChar(text, '\n', from, n, 1);
}

#define INLINE_PIECES 64

/* The value being read: its tag and its lines (on the heap past INLINE_PIECES). */
typedef struct {
    PyObject *key;
    span inline_pieces[INLINE_PIECES];
    span *pieces;
    Py_ssize_t n_pieces, capacity;
} reading;

static int
add_piece(reading *r, Py_ssize_t start, Py_ssize_t end)
{
    if (r->n_pieces == r->capacity) {
        span *grown = PyMem_Malloc(2 * r->capacity * sizeof(span));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(grown, r->pieces, r->n_pieces * sizeof(span));
        if (r->pieces != r->inline_pieces) {
            PyMem_Free(r->pieces);
        }
        r->pieces = grown;
        r->capacity *= 2;
    }
    r->pieces[r->n_pieces].start = start;
    r->pieces[r->n_pieces].end = end;
    r->n_pieces++;
    return 0;
}

/*
 * Read line [ls, le) of a record into `result`. Returns 0, or 1 when the line is neither a
 * tag line nor a continuation (the record is irregular), or -1 on error.
 */
static int
medline_line(PyObject *result, reading *r, PyObject *text, int kind, const void *data,
             Py_ssize_t ls, Py_ssize_t le)
{
    if (ls == le) {
        return 0;
    }
    Py_UCS4 first = PyUnicode_READ(kind, data, ls);
    Py_ssize_t key_len;
    if (first == ' ' || first == '\t') {
        /* continuation: its text, trimmed, joins the current value with one space */
        Py_ssize_t cs = ls, ce = le;
        while (cs < ce && is_blank(PyUnicode_READ(kind, data, cs))) {
            cs++;
        }
        while (ce > cs && is_blank(PyUnicode_READ(kind, data, ce - 1))) {
            ce--;
        }
        if (cs == ce) {
            return 0;
        }
        if (r->key == NULL) {
            return 1;
        }
        return add_piece(r, cs, ce);
    }
    if (!medline_tag_line(kind, data, ls, le, &key_len)) {
        return 1;
    }
    if (r->key != NULL) {
        if (medline_store(result, r->key, text, kind, data, r->pieces, r->n_pieces) < 0) {
            return -1;
        }
        Py_CLEAR(r->key);
    }
    r->key = cached_key(text, kind, data, ls, key_len);
    if (r->key == NULL) {
        return -1;
    }
    Py_ssize_t vs = ls + 6 < le ? ls + 6 : le;
    Py_ssize_t ve = le;
    while (ve > vs && is_blank(PyUnicode_READ(kind, data, ve - 1))) {
        ve--;
    }
    r->pieces[0].start = vs;
    r->pieces[0].end = ve;
    r->n_pieces = 1;
    return 0;
}

/*
 * Read the record that starts at s (not an empty line) and runs to the first empty line
 * or the end of the text, in one pass over its lines. Sets *end (the newline that ends
 * its last line, or the end of the text), *lines (the newlines before it) and *found
 * (whether an empty line follows). Returns tag -> [values], Py_None when a line is not
 * regular, or NULL on error.
 */
static PyObject *
medline_record_tags(PyObject *text, int kind, const void *data, Py_ssize_t s, Py_ssize_t n,
                    Py_ssize_t *end, Py_ssize_t *lines, int *found)
{
    PyObject *result = PyDict_New();
    if (result == NULL) {
        return NULL;
    }
    reading r;
    r.key = NULL;
    r.pieces = r.inline_pieces;
    r.n_pieces = 0;
    r.capacity = INLINE_PIECES;
    int regular = 1;
    *lines = 0;
    Py_ssize_t ls = s;
    while (1) {
        Py_ssize_t le = find_newline(text, kind, data, ls, n);
        if (le == -2) {
            goto error;
        }
        Py_ssize_t line_end = le == -1 ? n : le;
        if (regular) {
            int status = medline_line(result, &r, text, kind, data, ls, line_end);
            if (status < 0) {
                goto error;
            }
            regular = status == 0;
        }
        if (le == -1 || le + 1 >= n) {
            *end = line_end;  /* the text ends here, or with this line's newline */
            *found = 0;
            break;
        }
        if (PyUnicode_READ(kind, data, le + 1) == '\n') {
            *end = le;
            *found = 1;
            break;
        }
        (*lines)++;
        ls = le + 1;
    }
    if (regular && r.key != NULL
            && medline_store(result, r.key, text, kind, data, r.pieces, r.n_pieces) < 0) {
        goto error;
    }
    Py_XDECREF(r.key);
    if (r.pieces != r.inline_pieces) {
        PyMem_Free(r.pieces);
    }
    if (!regular) {
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    PyObject_GC_UnTrack(result);  /* see new_value_list */
    return result;
error:
    Py_XDECREF(r.key);
    if (r.pieces != r.inline_pieces) {
        PyMem_Free(r.pieces);
    }
    Py_DECREF(result);
    return NULL;
}

/*
 * medline_records(text, final) -> (records, consumed_chars, consumed_lines)
 *
 * Records are separated by empty lines. Each is (start, end, first_line, last_line, tags)
 * with offsets into `text`, 0-based line offsets, and tags None when a line is neither a
 * tag line nor an indented continuation (the caller re-parses those in Python to report
 * them). Without `final`, text after the last empty line is left for the next chunk.
 */
static PyObject *
medline_records(PyObject *self, PyObject *args)
{
    PyObject *text;
    int final;
    if (!PyArg_ParseTuple(args, "Up:medline_records", &text, &final)) {
        return NULL;
    }
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *records = PyList_New(0);
    if (records == NULL) {
        return NULL;
    }
    Py_ssize_t pos = 0, line = 0;
    while (pos < n) {
        while (pos < n && PyUnicode_READ(kind, data, pos) == '\n') {
            pos++;
            line++;
        }
        if (pos >= n) {
            break;
        }
        Py_ssize_t end, lines;
        int found;
        PyObject *tags = medline_record_tags(text, kind, data, pos, n, &end, &lines, &found);
        if (tags == NULL) {
            goto error;
        }
        if (!found && !final) {
            Py_DECREF(tags);
            break;
        }
        /* a record of blanks only is not a record (the Python path skips it too) */
        int blank = 1;
        for (Py_ssize_t i = pos; i < end && blank; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            blank = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
        }
        if (blank) {
            Py_DECREF(tags);
        }
        else {
            PyObject *item = Py_BuildValue("(nnnnN)", pos, end, line, line + lines, tags);
            if (item == NULL || PyList_Append(records, item) < 0) {
                Py_XDECREF(item);
                goto error;
            }
            Py_DECREF(item);
        }
        line += lines;
        pos = end;
        if (pos < n) {  /* the newline that ends the record's last line */
            pos++;
            line++;
        }
    }
    return Py_BuildValue("(Nnn)", records, pos, line);
error:
    Py_DECREF(records);
    return NULL;
}

static PyMethodDef methods[] = {
    {"group_tag_lines", group_tag_lines, METH_VARARGS,
     "group_tag_lines(text, tag_width, sep) -> dict[str, list[str]] | None"},
    {"medline_records", medline_records, METH_VARARGS,
     "medline_records(text, final) -> (records, consumed_chars, consumed_lines)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups", "C accelerator for tagged export formats.", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
