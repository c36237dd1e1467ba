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

static PyMethodDef methods[] = {
    {"group_tag_lines", group_tag_lines, METH_VARARGS,
     "group_tag_lines(text, tag_width, sep) -> dict[str, list[str]] | None"},
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
