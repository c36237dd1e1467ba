/*
 * Optional C constructor for frozen dataclasses with slots (screening.model.Record).
 *
 * Why C: the __init__ that dataclasses generate for a frozen class sets each field with
 * object.__setattr__, a Python call per field; for Record's 29 fields that was 4 us of
 * the 30 us it takes to read one PubMed record (measured). constructor(cls, names,
 * defaults) returns a callable that takes the same arguments as cls (positional, then
 * keywords) and stores them straight into the slots. screening/readers/construct.py uses cls itself when this
 * module is not built; tests/screening/readers/test_construct.py checks that both make
 * equal objects.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "structmember.h"

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyTypeObject *cls;
    PyObject *names;     /* tuple of the field names, in order */
    PyObject *defaults;  /* tuple: the default of each field, or NULL for a required one */
    Py_ssize_t *offsets; /* where each field's slot is in an instance */
} Constructor;

static void
constructor_dealloc(Constructor *self)
{
    Py_XDECREF(self->cls);
    Py_XDECREF(self->names);
    Py_XDECREF(self->defaults);
    PyMem_Free(self->offsets);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The index of field `name`, looked for from `hint` on (callers pass fields in order). */
static Py_ssize_t
field_index(Constructor *self, PyObject *name, Py_ssize_t hint)
{
    const Py_ssize_t n = PyTuple_GET_SIZE(self->names);
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t i = (hint + k) % n;
        if (PyTuple_GET_ITEM(self->names, i) == name) {
            return i;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int equal = PyUnicode_Compare(PyTuple_GET_ITEM(self->names, i), name) == 0;
        if (PyErr_Occurred()) {
            return -2;
        }
        if (equal) {
            return i;
        }
    }
    return -1;
}

static PyObject *
constructor_call(Constructor *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    const Py_ssize_t n = PyTuple_GET_SIZE(self->names);
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments", self->cls->tp_name, n);
        return NULL;
    }
    PyObject *stack[64];
    PyObject **values = n <= 64 ? stack : PyMem_Malloc(n * sizeof(PyObject *));
    if (values == NULL) {
        return PyErr_NoMemory();
    }
    memset(values, 0, n * sizeof(PyObject *));
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        values[i] = args[i];
    }
    const Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    Py_ssize_t hint = nargs;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k);
        Py_ssize_t i = field_index(self, name, hint);
        if (i == -2) {
            goto done;
        }
        if (i == -1 || values[i] != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected or repeated argument %R",
                         self->cls->tp_name, name);
            goto done;
        }
        values[i] = args[nargs + k];
        hint = i + 1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (values[i] == NULL) {
            values[i] = PyTuple_GET_ITEM(self->defaults, i);
            if (values[i] == Py_Ellipsis) {
                PyErr_Format(PyExc_TypeError, "%s() missing required argument %R",
                             self->cls->tp_name, PyTuple_GET_ITEM(self->names, i));
                goto done;
            }
        }
    }
    result = self->cls->tp_alloc(self->cls, 0);
    if (result == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(values[i]);
        *(PyObject **)((char *)result + self->offsets[i]) = values[i];
    }
done:
    if (values != stack) {
        PyMem_Free(values);
    }
    return result;
}

static PyTypeObject ConstructorType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "screening.readers._frozen.Constructor",
    .tp_basicsize = sizeof(Constructor),
    .tp_dealloc = (destructor)constructor_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(Constructor, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_doc = "Makes instances of one frozen dataclass with slots from its field values.",
};

/*
 * constructor(cls, names, defaults) -> callable
 *
 * `names` is the tuple of every field of `cls` in order; `defaults` the tuple of their
 * defaults, with Ellipsis for a field without one (a field with a default factory must
 * be passed). Every field must be a slot of `cls` itself, and cls must have no
 * __post_init__: its instances are then exactly what cls(**fields) makes.
 */
static PyObject *
constructor(PyObject *module, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *names, *defaults;
    if (!PyArg_ParseTuple(args, "O!O!O!:constructor", &PyType_Type, &cls, &PyTuple_Type, &names,
                          &PyTuple_Type, &defaults)) {
        return NULL;
    }
    const Py_ssize_t n = PyTuple_GET_SIZE(names);
    if (PyTuple_GET_SIZE(defaults) != n) {
        PyErr_SetString(PyExc_ValueError, "names and defaults differ in length");
        return NULL;
    }
    if (PyObject_HasAttrString((PyObject *)cls, "__post_init__")) {
        PyErr_SetString(PyExc_ValueError, "the class has a __post_init__");
        return NULL;
    }
    Constructor *self = PyObject_New(Constructor, &ConstructorType);
    if (self == NULL) {
        return NULL;
    }
    self->vectorcall = (vectorcallfunc)constructor_call;
    Py_INCREF(cls);
    self->cls = cls;
    Py_INCREF(defaults);
    self->defaults = defaults;
    self->names = PyTuple_New(n);
    self->offsets = PyMem_Calloc(n > 0 ? n : 1, sizeof(Py_ssize_t));
    if (self->names == NULL || self->offsets == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_CheckExact(name)) {
            PyErr_SetString(PyExc_TypeError, "field names must be str");
            Py_DECREF(self);
            return NULL;
        }
        Py_INCREF(name);
        PyUnicode_InternInPlace(&name);  /* keyword names at call sites are interned */
        PyTuple_SET_ITEM(self->names, i, name);
        PyObject *descr = PyDict_GetItemWithError(cls->tp_dict, name);  /* borrowed */
        if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)
                || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_ValueError, "field %R is not a slot of the class", name);
            }
            Py_DECREF(self);
            return NULL;
        }
        self->offsets[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
    }
    return (PyObject *)self;
}

static PyMethodDef methods[] = {
    {"constructor", constructor, METH_VARARGS,
     "constructor(cls, names, defaults) -> callable making cls instances"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_frozen", "C constructor for frozen dataclasses with slots.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__frozen(void)
{
    if (PyType_Ready(&ConstructorType) < 0) {
        return NULL;
    }
    return PyModule_Create(&module);
}
