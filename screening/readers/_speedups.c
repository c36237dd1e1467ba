/*
 * Optional C accelerator for tagged export formats (MEDLINE, RIS).
 *
 * Why C: grouping "TAG - value" lines into tag -> [values] is the one loop of the readers
 * that runs once per line (about 80 lines per PubMed record); in Python it costs more
 * than everything else in parsing together (measured), and no maintained package does it.
 * screening/readers/tagged.py holds the pure-Python version of the same function, used
 * when this module is not built; a property test checks that both give the same result.
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
        PyObject *key = PyUnicode_Substring(text, start, start + key_len);
        if (key == NULL) {
            goto error;
        }
        PyUnicode_InternInPlace(&key);
        PyObject *value = PyUnicode_Substring(text, value_start, value_end);
        if (value == NULL) {
            Py_DECREF(key);
            goto error;
        }
        PyObject *values = PyDict_GetItemWithError(result, key); /* borrowed */
        int failed;
        if (values == NULL) {
            if (PyErr_Occurred()) {
                Py_DECREF(key);
                Py_DECREF(value);
                goto error;
            }
            values = PyList_New(1);
            if (values == NULL) {
                Py_DECREF(key);
                Py_DECREF(value);
                goto error;
            }
            PyList_SET_ITEM(values, 0, value); /* steals the reference */
            failed = PyDict_SetItem(result, key, values);
            Py_DECREF(values);
        }
        else {
            failed = PyList_Append(values, value);
            Py_DECREF(value);
        }
        Py_DECREF(key);
        if (failed) {
            goto error;
        }
        start = end + 1;
    }
    return result;

mismatch:
    Py_DECREF(result);
    Py_RETURN_NONE;
error:
    Py_DECREF(result);
    return NULL;
}


/*
 * Tag names repeat on every record: a small open-addressing table maps the (at most four)
 * characters of a tag to one interned str, so no string is made per line for its tag.
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
    PyObject *key = PyUnicode_Substring(text, start, start + len);
    if (key != NULL) {
        PyUnicode_InternInPlace(&key);
    }
    return key;
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

/* Append the finished value to result[key]: `value`, or `pieces` joined by one space. */
static int
medline_store(PyObject *result, PyObject *key, PyObject *value, PyObject *pieces)
{
    if (pieces != NULL) {
        PyObject *space = PyUnicode_FromString(" ");
        if (space == NULL) {
            return -1;
        }
        value = PyUnicode_Join(space, pieces);
        Py_DECREF(space);
        if (value == NULL) {
            return -1;
        }
    }
    else {
        Py_INCREF(value);
    }
    PyObject *values = PyDict_GetItemWithError(result, key);
    int failed;
    if (values == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(value);
            return -1;
        }
        values = PyList_New(1);
        if (values == NULL) {
            Py_DECREF(value);
            return -1;
        }
        PyList_SET_ITEM(values, 0, value);
        failed = PyDict_SetItem(result, key, values);
        Py_DECREF(values);
    }
    else {
        failed = PyList_Append(values, value);
        Py_DECREF(value);
    }
    return failed;
}

/* Parse one record [s, e): tag -> [values], or Py_None when a line is not regular. */
static PyObject *
medline_record_tags(PyObject *text, int kind, const void *data, Py_ssize_t s, Py_ssize_t e)
{
    PyObject *result = PyDict_New();
    PyObject *key = NULL, *value = NULL, *pieces = NULL;  /* the value being read */
    if (result == NULL) {
        return NULL;
    }
    Py_ssize_t ls = s;
    while (ls < e) {
        Py_ssize_t le = PyUnicode_FindChar(text, '\n', ls, e, 1);
        if (le == -2) {
            goto error;
        }
        if (le == -1) {
            le = e;
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
            if (cs < ce) {
                if (key == NULL) {
                    goto irregular;
                }
                if (pieces == NULL) {
                    pieces = PyList_New(1);
                    if (pieces == NULL) {
                        goto error;
                    }
                    Py_INCREF(value);
                    PyList_SET_ITEM(pieces, 0, value);
                }
                PyObject *piece = PyUnicode_Substring(text, cs, ce);
                if (piece == NULL || PyList_Append(pieces, piece) < 0) {
                    Py_XDECREF(piece);
                    goto error;
                }
                Py_DECREF(piece);
            }
        }
        else if (medline_tag_line(kind, data, ls, le, &key_len)) {
            if (key != NULL) {
                if (medline_store(result, key, value, pieces) < 0) {
                    goto error;
                }
                Py_CLEAR(key);
                Py_CLEAR(value);
                Py_CLEAR(pieces);
            }
            key = cached_key(text, kind, data, ls, key_len);
            if (key == NULL) {
                goto error;
            }
            Py_ssize_t vs = ls + 6 < le ? ls + 6 : le;
            Py_ssize_t ve = le;
            while (ve > vs && is_blank(PyUnicode_READ(kind, data, ve - 1))) {
                ve--;
            }
            value = PyUnicode_Substring(text, vs, ve);
            if (value == NULL) {
                goto error;
            }
        }
        else if (ls < le) {
            goto irregular;
        }
        ls = le + 1;
    }
    if (key != NULL && medline_store(result, key, value, pieces) < 0) {
        goto error;
    }
    Py_XDECREF(key);
    Py_XDECREF(value);
    Py_XDECREF(pieces);
    return result;
irregular:
    Py_XDECREF(key);
    Py_XDECREF(value);
    Py_XDECREF(pieces);
    Py_DECREF(result);
    Py_RETURN_NONE;
error:
    Py_XDECREF(key);
    Py_XDECREF(value);
    Py_XDECREF(pieces);
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
        /* the record runs to the next empty line */
        Py_ssize_t end = pos, lines = 0, found = 0;
        while (1) {
            Py_ssize_t nl = PyUnicode_FindChar(text, '\n', end, n, 1);
            if (nl == -2) {
                goto error;
            }
            if (nl == -1) {
                end = n;
                break;
            }
            if (nl + 1 < n && PyUnicode_READ(kind, data, nl + 1) == '\n') {
                end = nl;
                found = 1;
                break;
            }
            if (nl + 1 >= n) {
                end = nl;  /* the text ends with this line's newline */
                break;
            }
            lines++;
            end = nl + 1;
        }
        if (!found && !final) {
            break;
        }
        /* a record of blanks only is not a record (the Python path skips it too) */
        int blank = 1;
        for (Py_ssize_t i = pos; i < end && blank; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            blank = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
        }
        if (!blank) {
            PyObject *tags = medline_record_tags(text, kind, data, pos, end);
            if (tags == NULL) {
                goto error;
            }
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
