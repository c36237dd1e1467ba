/*
 * Optional C versions of the per-value normalisers in screening/readers/fields.py.
 *
 * Why C: every reader normalises every record through about twenty small steps (text
 * cleaning of the title, abstract, each author and term list, the DOI, the pages). Each
 * is cheap, but in Python their call and loop overhead was half of reading a PubMed
 * MEDLINE file (measured: 30 of 60 us per record). Here each handles the common case
 * (ASCII DOIs and pages, text without HTML entities) in one pass and hands anything else
 * to its Python twin in fields.py, which stays the definition: a property test checks
 * that both give the same result.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* ---------------------------------------------------------------- the Python twins */

static PyObject *fields_module = NULL;

/* Call fields.<name>(args...): the Python twin, for the cases not handled here. */
static PyObject *
call_twin(const char *name, PyObject *const *args, size_t nargs)
{
    if (fields_module == NULL) {
        fields_module = PyImport_ImportModule("screening.readers.fields");
        if (fields_module == NULL) {
            return NULL;
        }
    }
    PyObject *twin = PyObject_GetAttrString(fields_module, name);
    if (twin == NULL) {
        return NULL;
    }
    PyObject *result = PyObject_Vectorcall(twin, args, nargs, NULL);
    Py_DECREF(twin);
    return result;
}

/* ---------------------------------------------------------------- clean_text */

/* Length of the markup tag `<[^<>]{1,80}>` starting at i, or 0 when there is none. */
static Py_ssize_t
tag_length(int kind, const void *data, Py_ssize_t i, Py_ssize_t n)
{
    Py_ssize_t j = i + 1;
    while (j < n && j - i <= 81) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, j);
        if (ch == '>') {
            return (j - i >= 2 && j - i <= 81) ? j - i + 1 : 0;
        }
        if (ch == '<') {
            return 0;
        }
        j++;
    }
    return 0;
}

/* What clean_text must do with a text: flags found by one scan. */
enum { HAS_AMP = 1, HAS_LT = 2, HAS_SPACING = 4, HAS_UNIT_SEPARATOR = 8, IS_SPACE = 16 };
#define CLEAN_TEXT_WORK (HAS_AMP | HAS_LT | HAS_SPACING)  /* spacing: "  ", \n, \t, \r */

static const unsigned char char_class[64] = {
    ['&'] = HAS_AMP, ['<'] = HAS_LT, ['\n'] = HAS_SPACING, ['\t'] = HAS_SPACING,
    ['\r'] = HAS_SPACING, [0x1f] = HAS_UNIT_SEPARATOR, [' '] = IS_SPACE,
};

/* No branch per character: twice as fast on abstracts as one (measured). */
#define SCAN(TYPE)                                                              \
    {                                                                           \
        const TYPE *in = (const TYPE *)data;                                    \
        for (Py_ssize_t i = 0; i < n; i++) {                                    \
            Py_UCS4 ch = in[i];                                                 \
            unsigned c = char_class[ch & 63] & -(unsigned)(ch < 64);            \
            found |= c;                                                         \
            pairs |= c & prev;                                                  \
            prev = c;                                                           \
        }                                                                       \
    }

static int
scan(int kind, const void *data, Py_ssize_t n)
{
    unsigned found = 0, pairs = 0, prev = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        SCAN(Py_UCS1)
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        SCAN(Py_UCS2)
    }
    else {
        SCAN(Py_UCS4)
    }
    if (pairs & IS_SPACE) {
        found |= HAS_SPACING;  /* two spaces in a row */
    }
    return (int)(found & ~IS_SPACE);
}

/* Whether the text holds " \x1f", "\x1f " or "\x1f\x1f". */
static int
has_unit_separator_pair(int kind, const void *data, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyUnicode_READ(kind, data, i) != 0x1f) {
            continue;
        }
        if ((i > 0 && (PyUnicode_READ(kind, data, i - 1) == ' '
                       || PyUnicode_READ(kind, data, i - 1) == 0x1f))
                || (i + 1 < n && PyUnicode_READ(kind, data, i + 1) == ' ')) {
            return 1;
        }
    }
    return 0;
}

static int
is_ascii_letter(Py_UCS4 ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/*
 * Whether every "&" of the text is one that the Python twin leaves as it is. html.unescape
 * leaves an "&" alone when nothing, a tab, newline, form feed, space, "<", "&" or ";"
 * follows it, and the repair of broken entities only touches "& name;" with a name of 2 to
 * 8 letters. "statistics & numerical data" (a MeSH subheading on a third of PubMed records)
 * is such a text; "AT&T" and "&amp;" are not, and go to the twin.
 */
static int
ampersands_are_plain(int kind, const void *data, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyUnicode_READ(kind, data, i) != '&') {
            continue;
        }
        if (i + 1 == n) {
            continue;
        }
        Py_UCS4 next = PyUnicode_READ(kind, data, i + 1);
        if (next == '\t' || next == '\n' || next == '\f' || next == '<' || next == '&'
                || next == ';') {
            continue;
        }
        if (next != ' ') {
            return 0;
        }
        Py_ssize_t j = i + 2;
        while (j < n && j - (i + 2) < 9 && is_ascii_letter(PyUnicode_READ(kind, data, j))) {
            j++;
        }
        Py_ssize_t letters = j - (i + 2);
        if (letters >= 2 && letters <= 8 && j < n && PyUnicode_READ(kind, data, j) == ';') {
            return 0;
        }
    }
    return 1;
}

/*
 * Tags removed (when `tags`), then " ".join(text.split()), in one pass over the characters
 * of one kind. `out` has room for n characters of that kind; returns the length written.
 */
#define COLLAPSE(TYPE)                                                          \
    {                                                                           \
        const TYPE *in = (const TYPE *)data;                                    \
        TYPE *to = (TYPE *)out;                                                 \
        for (Py_ssize_t i = 0; i < n; i++) {                                    \
            Py_UCS4 ch = in[i];                                                 \
            if (ch > ' ' && ch < 128 && ch != '<') { /* most: no space, no tag */ \
                if (pending_space) {                                            \
                    to[m++] = ' ';                                              \
                    pending_space = 0;                                          \
                }                                                               \
                to[m++] = (TYPE)ch;                                             \
                continue;                                                       \
            }                                                                   \
            if (ch == '<' && tags) {                                            \
                Py_ssize_t skip = tag_length(kind, data, i, n);                 \
                if (skip) {                                                     \
                    i += skip - 1;                                              \
                    continue;                                                   \
                }                                                               \
            }                                                                   \
            if (Py_UNICODE_ISSPACE(ch)) {                                       \
                pending_space = m > 0;                                          \
                continue;                                                       \
            }                                                                   \
            if (pending_space) {                                                \
                to[m++] = ' ';                                                  \
                pending_space = 0;                                              \
            }                                                                   \
            to[m++] = (TYPE)ch;                                                 \
        }                                                                       \
    }

static Py_ssize_t
collapse(int kind, const void *data, Py_ssize_t n, int tags, void *out)
{
    Py_ssize_t m = 0;
    int pending_space = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        COLLAPSE(Py_UCS1)
    }
    else if (kind == PyUnicode_2BYTE_KIND) {
        COLLAPSE(Py_UCS2)
    }
    else {
        COLLAPSE(Py_UCS4)
    }
    return m;
}

/*
 * clean_text(value): as fields.clean_text_py. Text without HTML entities is handled here:
 * markup tags removed and whitespace collapsed when the text has any of "&", "<", two
 * spaces, a newline, tab or CR; otherwise only stripped. Text where an "&" may start an
 * entity goes to the Python twin (html.unescape).
 */
static PyObject *
clean_text_impl(PyObject *value)
{
    if (value == Py_None) {
        Py_RETURN_NONE;
    }
    if (!PyUnicode_CheckExact(value)) {
        return call_twin("clean_text_py", &value, 1);
    }
    const Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    const int kind = PyUnicode_KIND(value);
    const void *data = PyUnicode_DATA(value);
    const int found = scan(kind, data, n);
    if ((found & HAS_AMP) && !ampersands_are_plain(kind, data, n)) {
        return call_twin("clean_text_py", &value, 1);
    }
    const int tags = (found & HAS_LT) != 0;
    const int dirty = (found & CLEAN_TEXT_WORK) != 0;
    if (!dirty) {
        /* text.strip() or None */
        Py_ssize_t s = 0, e = n;
        while (s < e && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, s))) {
            s++;
        }
        while (e > s && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e - 1))) {
            e--;
        }
        if (s == e) {
            Py_RETURN_NONE;
        }
        if (s == 0 && e == n) {
            Py_INCREF(value);  /* as str.strip: no copy of a long abstract */
            return value;
        }
        return PyUnicode_Substring(value, s, e);
    }
    void *out = PyMem_Malloc(n * kind + 1);
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t m = collapse(kind, data, n, tags, out);
    PyObject *result;
    if (m == 0) {
        result = Py_None;
        Py_INCREF(result);
    }
    else {
        result = PyUnicode_FromKindAndData(kind, out, m);
    }
    PyMem_Free(out);
    return result;
}

static PyObject *
clean_text(PyObject *self, PyObject *value)
{
    return clean_text_impl(value);
}

/* ---------------------------------------------------------------- clean_values */

/*
 * clean_values(values): as fields.clean_values_py. For a list or tuple of str: the values
 * as they are when their join by U+001F has nothing clean_text would change (the common
 * case, one scan); otherwise clean_text of each, empty ones dropped.
 */
static PyObject *
clean_values(PyObject *self, PyObject *values)
{
    if (!PyList_CheckExact(values) && !PyTuple_CheckExact(values)) {
        int truth = PyObject_IsTrue(values);
        if (truth < 0) {
            return NULL;
        }
        if (!truth) {
            return PyTuple_New(0);
        }
        return call_twin("clean_values_py", &values, 1);
    }
    PyObject *seq = PySequence_Fast(values, "");  /* a new reference to the same object */
    if (seq == NULL) {
        return NULL;
    }
    const Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    if (count == 0) {
        Py_DECREF(seq);
        return PyTuple_New(0);
    }
    /* Scan the join of the values by U+001F without making it. */
    int clean = 1;
    Py_UCS4 prev = 0, last = 0;
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < count && clean; k++) {
        PyObject *item = items[k];
        if (!PyUnicode_CheckExact(item)) {
            Py_DECREF(seq);
            return call_twin("clean_values_py", &values, 1);
        }
        const Py_ssize_t n = PyUnicode_GET_LENGTH(item);
        if (k > 0) {
            if (prev == ' ' || prev == 0x1f) {
                clean = 0;  /* " \x1f" or "\x1f\x1f" */
            }
            prev = last = 0x1f;
            total++;
        }
        if (n == 0) {
            continue;
        }
        const int kind = PyUnicode_KIND(item);
        const void *data = PyUnicode_DATA(item);
        Py_UCS4 first = PyUnicode_READ(kind, data, 0);
        if ((total == 0 && first == ' ') || (prev == 0x1f && (first == ' ' || first == 0x1f))) {
            clean = 0;  /* a leading space, "\x1f " or "\x1f\x1f" */
        }
        const int found = scan(kind, data, n);
        if ((found & CLEAN_TEXT_WORK)
                || ((found & HAS_UNIT_SEPARATOR) && has_unit_separator_pair(kind, data, n))) {
            clean = 0;
        }
        prev = last = PyUnicode_READ(kind, data, n - 1);
        total += n;
    }
    if (clean && total > 0 && last != ' ') {
        PyObject *result = PySequence_Tuple(seq);
        Py_DECREF(seq);
        return result;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *text = clean_text_impl(items[k]);
        if (text == NULL || (text != Py_None && PyList_Append(out, text) < 0)) {
            Py_XDECREF(text);
            Py_DECREF(out);
            Py_DECREF(seq);
            return NULL;
        }
        Py_DECREF(text);
    }
    Py_DECREF(seq);
    PyObject *result = PyList_AsTuple(out);
    Py_DECREF(out);
    return result;
}

/* ---------------------------------------------------------------- DOIs */

static int
is_doi_char(Py_UCS4 ch)
{
    return !(Py_UNICODE_ISSPACE(ch) || ch == '"' || ch == '<' || ch == '>');
}

static int
is_trailing_doi_punctuation(Py_UCS4 ch)
{
    return ch != 0 && strchr(".,;:]}>'\"", (int)ch) != NULL;
}

/*
 * normalize_doi(value): as fields.normalize_doi_py, for ASCII text without "%" (the
 * regular expression 10\.\d{4,9}/[^\s"<>]+, searched by hand); other text goes to the
 * Python twin.
 */
static PyObject *
normalize_doi_impl(PyObject *value)
{
    if (value == Py_None) {
        Py_RETURN_NONE;
    }
    if (!PyUnicode_CheckExact(value) || !PyUnicode_IS_ASCII(value)) {
        return call_twin("normalize_doi_py", &value, 1);
    }
    const Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    const char *s = (const char *)PyUnicode_1BYTE_DATA(value);
    if (n == 0) {
        Py_RETURN_NONE;
    }
    if (memchr(s, '%', n) != NULL) {
        return call_twin("normalize_doi_py", &value, 1);
    }
    for (Py_ssize_t i = 0; i + 3 < n; i++) {
        if (s[i] != '1' || s[i + 1] != '0' || s[i + 2] != '.') {
            continue;
        }
        Py_ssize_t d = i + 3;
        while (d < n && s[d] >= '0' && s[d] <= '9') {
            d++;
        }
        Py_ssize_t digits = d - (i + 3);
        if (digits < 4 || digits > 9 || d + 1 >= n || s[d] != '/' || !is_doi_char(s[d + 1])) {
            continue;
        }
        Py_ssize_t end = d + 1;
        while (end < n && is_doi_char(s[end])) {
            end++;
        }
        while (end > i && is_trailing_doi_punctuation(s[end - 1])) {
            end--;
        }
        char *doi = PyMem_Malloc(end - i + 1);
        if (doi == NULL) {
            return PyErr_NoMemory();
        }
        Py_ssize_t len = end - i, opening = 0, closing = 0;
        for (Py_ssize_t k = 0; k < len; k++) {
            char ch = s[i + k];
            doi[k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
            opening += ch == '(';
            closing += ch == ')';
        }
        if (len > 0 && doi[len - 1] == ')' && opening < closing) {
            len--;
        }
        static const char central[] = "10.1002/central/cn-";
        PyObject *result;
        if (len >= (Py_ssize_t)(sizeof(central) - 1)
                && memcmp(doi, central, sizeof(central) - 1) == 0) {
            result = Py_None;
            Py_INCREF(result);
        }
        else {
            result = PyUnicode_FromStringAndSize(doi, len);
        }
        PyMem_Free(doi);
        return result;
    }
    Py_RETURN_NONE;
}

static PyObject *
normalize_doi(PyObject *self, PyObject *value)
{
    return normalize_doi_impl(value);
}

/* first_doi(values): the first value holding a DOI, normalised (as fields.first_doi_py). */
static PyObject *
first_doi(PyObject *self, PyObject *values)
{
    PyObject *iterator = PyObject_GetIter(values);
    if (iterator == NULL) {
        return NULL;
    }
    PyObject *item;
    while ((item = PyIter_Next(iterator)) != NULL) {
        int empty = item == Py_None || (PyUnicode_Check(item) && PyUnicode_GET_LENGTH(item) == 0);
        PyObject *doi = empty ? (Py_INCREF(Py_None), Py_None) : normalize_doi_impl(item);
        Py_DECREF(item);
        if (doi == NULL) {
            Py_DECREF(iterator);
            return NULL;
        }
        if (doi != Py_None && PyObject_IsTrue(doi)) {
            Py_DECREF(iterator);
            return doi;
        }
        Py_DECREF(doi);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------- pages */

typedef struct {
    const char *s;
    Py_ssize_t n;
} slice;

static slice
stripped(slice x)
{
    while (x.n > 0 && Py_UNICODE_ISSPACE((Py_UCS4)(unsigned char)x.s[0])) {
        x.s++;
        x.n--;
    }
    while (x.n > 0 && Py_UNICODE_ISSPACE((Py_UCS4)(unsigned char)x.s[x.n - 1])) {
        x.n--;
    }
    return x;
}

static int
equals_lower(slice x, const char *word)
{
    Py_ssize_t len = (Py_ssize_t)strlen(word);
    if (x.n != len) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        char ch = x.s[i];
        if ((ch >= 'A' && ch <= 'Z' ? ch + 32 : ch) != word[i]) {
            return 0;
        }
    }
    return 1;
}

static int
contains_lower(slice x, const char *word)
{
    Py_ssize_t len = (Py_ssize_t)strlen(word);
    for (Py_ssize_t at = 0; at + len <= x.n; at++) {
        slice part = {x.s + at, len};
        if (equals_lower(part, word)) {
            return 1;
        }
    }
    return 0;
}

static int
all_digits(slice x)
{
    if (x.n == 0) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < x.n; i++) {
        if (x.s[i] < '0' || x.s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

static PyObject *
slice_str(slice x)
{
    return PyUnicode_FromStringAndSize(x.s, x.n);
}

/* ASCII text of `value` (None and "" give an empty slice); 0 when it is not ASCII str. */
static int
ascii_slice(PyObject *value, slice *out)
{
    out->s = "";
    out->n = 0;
    if (value == Py_None) {
        return 1;
    }
    if (!PyUnicode_CheckExact(value) || !PyUnicode_IS_ASCII(value)) {
        return 0;
    }
    out->s = (const char *)PyUnicode_1BYTE_DATA(value);
    out->n = PyUnicode_GET_LENGTH(value);
    return 1;
}

/*
 * normalize_pages(value, end=None): as fields.normalize_pages_py, for ASCII text (which
 * has no Unicode hyphens to replace); other text goes to the Python twin.
 */
static PyObject *
normalize_pages(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "normalize_pages(value, end=None)");
        return NULL;
    }
    PyObject *value = args[0], *end = nargs == 2 ? args[1] : Py_None;
    slice start, stop;
    if (!ascii_slice(value, &start) || !ascii_slice(end, &stop)) {
        PyObject *both[2] = {value, end};
        return call_twin("normalize_pages_py", both, 2);
    }
    start = stripped(start);
    stop = stripped(stop);
    if (equals_lower(start, "no") || equals_lower(start, "n.pag") || equals_lower(start, "n.pag.")
            || contains_lower(start, "no pagination")) {
        return Py_BuildValue("(OOO)", Py_None, Py_None, Py_None);
    }
    if (equals_lower(stop, "specified")) {
        stop.n = 0;
    }
    if (stop.n == 0) {
        const char *dash = memchr(start.s, '-', start.n);
        if (dash != NULL) {
            slice first = {start.s, dash - start.s};
            slice last = {dash + 1, start.s + start.n - (dash + 1)};
            start = stripped(first);
            stop = stripped(last);
        }
    }
    if (start.n == 0) {
        if (stop.n == 0) {
            return Py_BuildValue("(OOO)", Py_None, Py_None, Py_None);
        }
        return Py_BuildValue("(NNO)", slice_str(stop), slice_str(stop), Py_None);
    }
    char *expanded = NULL;
    if (all_digits(stop) && all_digits(start) && stop.n < start.n) {
        /* 466-75 -> 466-475 */
        expanded = PyMem_Malloc(start.n);
        if (expanded == NULL) {
            return PyErr_NoMemory();
        }
        memcpy(expanded, start.s, start.n - stop.n);
        memcpy(expanded + start.n - stop.n, stop.s, stop.n);
        stop.s = expanded;
        stop.n = start.n;
    }
    PyObject *result;
    if (stop.n > 0 && !(stop.n == start.n && memcmp(stop.s, start.s, start.n) == 0)) {
        PyObject *range = PyUnicode_New(start.n + 1 + stop.n, 127);
        if (range != NULL) {
            char *out = (char *)PyUnicode_1BYTE_DATA(range);
            memcpy(out, start.s, start.n);
            out[start.n] = '-';
            memcpy(out + start.n + 1, stop.s, stop.n);
        }
        result = range == NULL ? NULL
                 : Py_BuildValue("(NNN)", range, slice_str(start), slice_str(stop));
    }
    else {
        PyObject *text = slice_str(start);
        result = text == NULL ? NULL : Py_BuildValue("(OOO)", text, text, Py_None);
        Py_XDECREF(text);
    }
    PyMem_Free(expanded);
    return result;
}

/* ---------------------------------------------------------------- module */

static PyMethodDef methods[] = {
    {"clean_text", clean_text, METH_O, "clean_text(value) -> str | None"},
    {"clean_values", clean_values, METH_O, "clean_values(values) -> tuple[str, ...]"},
    {"normalize_doi", normalize_doi, METH_O, "normalize_doi(value) -> str | None"},
    {"first_doi", first_doi, METH_O, "first_doi(values) -> str | None"},
    {"normalize_pages", (PyCFunction)(void (*)(void))normalize_pages, METH_FASTCALL,
     "normalize_pages(value, end=None) -> (pages, start_page, end_page)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_normalize", "C versions of the field normalisers.", -1, methods,
};

PyMODINIT_FUNC
PyInit__normalize(void)
{
    return PyModule_Create(&module);
}
