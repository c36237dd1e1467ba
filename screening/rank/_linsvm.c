/*
 * Optional C version of the warm-started linear SVM in screening/rank/linsvm.py.
 *
 * Why C: simulated screening retrains after every record. scikit-learn's LinearSVC runs
 * liblinear's dual coordinate descent (Hsieh et al. 2008) from zero on every fit and has
 * no warm start, so each step repeated all the passes of the step before. This is the
 * same algorithm (L2-regularised squared hinge, liblinear's shrinking, stopping rule and
 * per-sample C), but it continues from the previous step's dual variables and reads the
 * training rows straight out of the review's CSR matrix by index. Its inner loop is a
 * sparse dot product and axpy per coordinate, which Python cannot run fast enough.
 * Besides liblinear's passes over the sparse rows (solve_sparse), a faster version for up
 * to a few thousand labelled rows (solve_gram) keeps the gradient of every row.
 *
 * linsvm.py holds the Python twins (solve_dual_py, gram_solve_py, score_unlabeled_py),
 * which stay the definition: tests/screening/rank/test_linsvm.py checks that both give
 * the same results, to the last bit.
 *
 * The caller (linsvm.WarmLinearSVM) checks once that the CSR arrays are consistent
 * (indices sorted and below the width of w, indptr non-decreasing) and builds the CSC
 * copy from them; these functions check dtypes, lengths, row numbers and costs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- buffers */

enum kind { FLOAT64, INT32, INT64, BOOL };

static const char *kind_names[] = {"float64", "int32", "int64", "bool"};

/* A C-contiguous one-dimensional buffer of the given kind, or -1 with TypeError set. */
static int
get_array(PyObject *obj, Py_buffer *view, const char *name, enum kind kind, int writable)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        PyErr_Format(PyExc_TypeError, "%s must be a contiguous%s %s array", name,
                     writable ? " writable" : "", kind_names[kind]);
        return -1;
    }
    const char *format = view->format ? view->format : "B";
    char code = format[strlen(format) - 1];
    int ok;
    switch (kind) {
    case FLOAT64: ok = code == 'd' && view->itemsize == 8; break;
    case INT32: ok = (code == 'i' || code == 'l') && view->itemsize == 4; break;
    case INT64: ok = (code == 'l' || code == 'q') && view->itemsize == 8; break;
    default: ok = (code == '?' || code == 'b' || code == 'B') && view->itemsize == 1; break;
    }
    if (!ok || view->ndim != 1) {
        PyErr_Format(PyExc_TypeError, "%s must be a one-dimensional %s array (got format "
                     "'%s', %d dimension(s))", name, kind_names[kind], format, view->ndim);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static Py_ssize_t
length(const Py_buffer *view)
{
    return view->len / view->itemsize;
}

/* ---------------------------------------------------------------- random numbers */

/* splitmix64: small, fast and easy to write identically in Python (linsvm._next_random). */
static inline uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---------------------------------------------------------------- the solvers */

typedef struct {
    const int32_t *indptr, *indices;
    const double *data;
    const int64_t *rows;
    const double *y, *cost;
    double *alpha, *w;
    Py_ssize_t l, n_features;
    double bias, eps;
    long max_iter;
    uint64_t state;
} problem;

static inline double
dot(const problem *p, int64_t row, const double *v)
{
    double s = 0.0;
    for (int32_t k = p->indptr[row]; k < p->indptr[row + 1]; k++) {
        s += p->data[k] * v[p->indices[k]];
    }
    return s + p->bias * v[p->n_features];
}

static inline void
axpy(problem *p, int64_t row, double d)
{
    for (int32_t k = p->indptr[row]; k < p->indptr[row + 1]; k++) {
        p->w[p->indices[k]] += d * p->data[k];
    }
    p->w[p->n_features] += d * p->bias;
}

static inline void
shuffle(Py_ssize_t *index, Py_ssize_t n, uint64_t *state)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t j = i + (Py_ssize_t)(next_random(state) % (uint64_t)(n - i));
        Py_ssize_t t = index[i];
        index[i] = index[j];
        index[j] = t;
    }
}

/* liblinear's solve_l2r_l1l2_svc for the squared hinge (no upper bound on alpha, diagonal
 * 1 / (2 C_i)), from the alpha and w given; returns the number of outer iterations. */
static long
solve_sparse(problem *p, const double *sqnorm, Py_ssize_t *index, double *qd)
{
    const Py_ssize_t l = p->l;
    for (Py_ssize_t i = 0; i < l; i++) {
        qd[i] = 0.5 / p->cost[i] + sqnorm[p->rows[i]] + p->bias * p->bias;
        index[i] = i;
    }
    Py_ssize_t active = l;
    double pg_max_old = INFINITY;  /* liblinear's PGmin_old only serves an upper bound */
    long iter = 0;
    while (iter < p->max_iter) {
        double pg_max = -INFINITY, pg_min = INFINITY;
        shuffle(index, active, &p->state);
        for (Py_ssize_t s = 0; s < active; s++) {
            Py_ssize_t i = index[s];
            double yi = p->y[i];
            double g = yi * dot(p, p->rows[i], p->w) - 1.0 + p->alpha[i] * (0.5 / p->cost[i]);
            double pg = 0.0;
            if (p->alpha[i] == 0.0) {
                if (g > pg_max_old) {  /* shrink: stays at the bound for now */
                    active--;
                    index[s] = index[active];
                    index[active] = i;
                    s--;
                    continue;
                }
                if (g < 0.0) {
                    pg = g;
                }
            }
            else {
                pg = g;
            }
            pg_max = pg > pg_max ? pg : pg_max;
            pg_min = pg < pg_min ? pg : pg_min;
            if (fabs(pg) > 1.0e-12) {
                double old = p->alpha[i];
                double updated = old - g / qd[i];
                p->alpha[i] = updated > 0.0 ? updated : 0.0;
                axpy(p, p->rows[i], (p->alpha[i] - old) * yi);
            }
        }
        iter++;
        if (pg_max - pg_min <= p->eps) {
            if (active == l) {
                break;
            }
            active = l;  /* converged on the shrunk set: check every coordinate once more */
            pg_max_old = INFINITY;
            continue;
        }
        pg_max_old = pg_max <= 0.0 ? INFINITY : pg_max;
    }
    return iter;
}

/* The columns of the matrix (CSC), for the dot products of a new row with the others. */
typedef struct {
    const int32_t *indptr, *indices;  /* column k holds rows indices[indptr[k]:indptr[k+1]] */
    const double *data;
    double *acc;  /* one zeroed entry per matrix row */
    Py_ssize_t n_rows;
} columns;

/* Row i of Q for a new labelled row i (and column i, Q being symmetric): its dot products
 * with labelled rows 0..i. Either one sparse dot per labelled row (x~_i scattered into the
 * zeroed scratch vector), or, when its features' columns hold fewer entries than those
 * rows, by walking those columns. Both add the same products in the same (feature) order,
 * so they give the same values to the last bit; the Python twin does the first. */
static void
gram_row(problem *p, const columns *c, double *q, Py_ssize_t ld, double *scratch,
         Py_ssize_t i)
{
    const int64_t row = p->rows[i];
    long long by_rows = 0, by_columns = 0;
    for (Py_ssize_t j = 0; j <= i; j++) {
        by_rows += p->indptr[p->rows[j] + 1] - p->indptr[p->rows[j]];
    }
    for (int32_t k = p->indptr[row]; k < p->indptr[row + 1]; k++) {
        int32_t f = p->indices[k];
        by_columns += c->indptr[f + 1] - c->indptr[f];
    }
    if (by_columns < by_rows) {
        for (int32_t k = p->indptr[row]; k < p->indptr[row + 1]; k++) {
            int32_t f = p->indices[k];
            double v = p->data[k];
            for (int32_t e = c->indptr[f]; e < c->indptr[f + 1]; e++) {
                c->acc[c->indices[e]] += c->data[e] * v;
            }
        }
        for (Py_ssize_t j = 0; j <= i; j++) {
            double qij = p->y[i] * p->y[j] * (c->acc[p->rows[j]] + p->bias * p->bias);
            q[i * ld + j] = qij;
            q[j * ld + i] = qij;
        }
        memset(c->acc, 0, c->n_rows * sizeof(double));
        return;
    }
    for (int32_t k = p->indptr[row]; k < p->indptr[row + 1]; k++) {
        scratch[p->indices[k]] += p->data[k];
    }
    scratch[p->n_features] = p->bias;
    for (Py_ssize_t j = 0; j <= i; j++) {
        double qij = p->y[i] * p->y[j] * dot(p, p->rows[j], scratch);
        q[i * ld + j] = qij;
        q[j * ld + i] = qij;
    }
    for (int32_t k = p->indptr[row]; k < p->indptr[row + 1]; k++) {
        scratch[p->indices[k]] = 0.0;
    }
    scratch[p->n_features] = 0.0;
}

/* The same descent with the gradient g = Q alpha - 1 kept for every labelled row, where
 * Q_ij = y_i y_j x~_i . x~_j is stored densely (ld columns a row). Rows from n_old on are
 * new: their rows of Q and gradients are computed first. A coordinate update then costs a
 * dense pass over one row of Q instead of a sparse dot and axpy, and a pass only updates
 * the rows whose projected gradient exceeds eps / 2 (checking one is a lookup), so a step
 * that moves the solution a little costs little. It stops when the projected gradients,
 * all exact at that point, are within eps of each other (liblinear's rule, which compares
 * values taken at different points of a pass); once all are within eps / 2 of 0 that
 * holds, so it ends. w is brought up to date at the end, from the change of each alpha
 * since the last time (alpha_w). */
static long
solve_gram(problem *p, const columns *c, double *q, Py_ssize_t ld, double *grad,
           double *alpha_w, double *scratch, Py_ssize_t n_old, Py_ssize_t *index)
{
    const Py_ssize_t l = p->l;
    const double theta = p->eps / 2.0;
    for (Py_ssize_t i = n_old; i < l; i++) {
        gram_row(p, c, q, ld, scratch, i);
        grad[i] = p->y[i] * dot(p, p->rows[i], p->w) - 1.0;  /* w is up to date; alpha_i 0 */
        alpha_w[i] = p->alpha[i];
    }
    for (Py_ssize_t i = 0; i < l; i++) {
        index[i] = i;
    }
    long iter = 0;
    while (iter < p->max_iter) {
        shuffle(index, l, &p->state);
        for (Py_ssize_t s = 0; s < l; s++) {
            Py_ssize_t i = index[s];
            double diag = 0.5 / p->cost[i];
            double g = grad[i] + p->alpha[i] * diag;
            double pg = (p->alpha[i] == 0.0 && g > 0.0) ? 0.0 : g;
            if (fabs(pg) > theta) {
                double old = p->alpha[i];
                double updated = old - g / (q[i * ld + i] + diag);
                p->alpha[i] = updated > 0.0 ? updated : 0.0;
                double d = p->alpha[i] - old;
                const double *restrict qi = q + i * ld;
                double *restrict gr = grad;
                for (Py_ssize_t j = 0; j < l; j++) {
                    gr[j] += d * qi[j];
                }
            }
        }
        iter++;
        double pg_max = -INFINITY, pg_min = INFINITY;
        for (Py_ssize_t i = 0; i < l; i++) {
            double g = grad[i] + p->alpha[i] * (0.5 / p->cost[i]);
            double pg = (p->alpha[i] == 0.0 && g > 0.0) ? 0.0 : g;
            pg_max = pg > pg_max ? pg : pg_max;
            pg_min = pg < pg_min ? pg : pg_min;
        }
        if (pg_max - pg_min <= p->eps) {
            break;
        }
    }
    for (Py_ssize_t i = 0; i < l; i++) {
        if (p->alpha[i] != alpha_w[i]) {
            axpy(p, p->rows[i], (p->alpha[i] - alpha_w[i]) * p->y[i]);
            alpha_w[i] = p->alpha[i];
        }
    }
    return iter;
}

/* ---------------------------------------------------------------- entry points */

typedef struct {
    const char *name;
    enum kind kind;
    int writable;
} spec;

/* Get n buffers; on failure release the ones got and return -1. */
static int
get_arrays(PyObject *const *objs, Py_buffer *views, const spec *specs, int n)
{
    for (int i = 0; i < n; i++) {
        if (get_array(objs[i], &views[i], specs[i].name, specs[i].kind, specs[i].writable)
            < 0) {
            while (i-- > 0) {
                PyBuffer_Release(&views[i]);
            }
            return -1;
        }
    }
    return 0;
}

static void
release_arrays(Py_buffer *views, int n)
{
    for (int i = 0; i < n; i++) {
        PyBuffer_Release(&views[i]);
    }
}

/* The arrays both solvers take first, in this order. */
enum { INDPTR, INDICES, DATA, ROWS, Y, COST, ALPHA, W, N_COMMON };
#define COMMON_SPECS                                                                     \
    {"indptr", INT32, 0}, {"indices", INT32, 0}, {"data", FLOAT64, 0},                   \
    {"rows", INT64, 0}, {"y", FLOAT64, 0}, {"cost", FLOAT64, 0}, {"alpha", FLOAT64, 1},  \
    {"w", FLOAT64, 1}

/* Fill p from the common arrays; check their lengths, the training rows and costs. */
static int
set_problem(problem *p, const Py_buffer *v, double bias, double eps, long max_iter,
            unsigned long long state, const char *name)
{
    Py_ssize_t n_rows = length(&v[INDPTR]) - 1, l = length(&v[ROWS]);
    if (n_rows < 0 || length(&v[INDICES]) != length(&v[DATA]) || length(&v[Y]) != l
        || length(&v[COST]) != l || length(&v[ALPHA]) != l || length(&v[W]) < 1) {
        PyErr_Format(PyExc_ValueError, "%s: array lengths do not match", name);
        return -1;
    }
    *p = (problem){
        .indptr = v[INDPTR].buf, .indices = v[INDICES].buf, .data = v[DATA].buf,
        .rows = v[ROWS].buf, .y = v[Y].buf, .cost = v[COST].buf, .alpha = v[ALPHA].buf,
        .w = v[W].buf, .l = l, .n_features = length(&v[W]) - 1, .bias = bias, .eps = eps,
        .max_iter = max_iter, .state = state,
    };
    for (Py_ssize_t i = 0; i < l; i++) {
        if (p->rows[i] < 0 || p->rows[i] >= n_rows) {
            PyErr_Format(PyExc_ValueError, "%s: row %lld is not in the matrix (%zd rows)",
                         name, (long long)p->rows[i], n_rows);
            return -1;
        }
        if (!(p->cost[i] > 0.0)) {
            PyErr_Format(PyExc_ValueError, "%s: cost of row %lld is not positive", name,
                         (long long)p->rows[i]);
            return -1;
        }
    }
    return 0;
}

static PyObject *
solve_dual(PyObject *self, PyObject *args)
{
    enum { SQNORM = N_COMMON, N };
    static const spec specs[N] = {COMMON_SPECS, {"sqnorm", FLOAT64, 0}};
    PyObject *objs[N];
    double bias, eps;
    long max_iter;
    unsigned long long state;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOddlK:solve_dual", &objs[0], &objs[1], &objs[2],
                          &objs[3], &objs[4], &objs[5], &objs[6], &objs[7], &objs[8], &bias,
                          &eps, &max_iter, &state)) {
        return NULL;
    }
    Py_buffer v[N];
    if (get_arrays(objs, v, specs, N) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t *index = NULL;
    double *qd = NULL;
    problem p;
    if (set_problem(&p, v, bias, eps, max_iter, state, "solve_dual") < 0) {
        goto done;
    }
    if (length(&v[SQNORM]) != length(&v[INDPTR]) - 1) {
        PyErr_SetString(PyExc_ValueError, "solve_dual: array lengths do not match");
        goto done;
    }
    index = PyMem_Malloc((p.l ? p.l : 1) * sizeof(Py_ssize_t));
    qd = PyMem_Malloc((p.l ? p.l : 1) * sizeof(double));
    if (index == NULL || qd == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    long n_iter;
    const double *sqnorm = v[SQNORM].buf;
    Py_BEGIN_ALLOW_THREADS
    n_iter = solve_sparse(&p, sqnorm, index, qd);
    Py_END_ALLOW_THREADS
    result = Py_BuildValue("(lK)", n_iter, (unsigned long long)p.state);
done:
    PyMem_Free(index);
    PyMem_Free(qd);
    release_arrays(v, N);
    return result;
}

static PyObject *
gram_solve(PyObject *self, PyObject *args)
{
    enum { Q = N_COMMON, GRAD, ALPHA_W, SCRATCH, C_INDPTR, C_INDICES, C_DATA, ACC, N };
    static const spec specs[N] = {
        COMMON_SPECS, {"q", FLOAT64, 1}, {"grad", FLOAT64, 1}, {"alpha_w", FLOAT64, 1},
        {"scratch", FLOAT64, 1}, {"col_indptr", INT32, 0}, {"col_indices", INT32, 0},
        {"col_data", FLOAT64, 0}, {"acc", FLOAT64, 1}};
    PyObject *objs[N];
    Py_ssize_t ld, n_old;
    double bias, eps;
    long max_iter;
    unsigned long long state;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOnnddlK:gram_solve", &objs[0], &objs[1],
                          &objs[2], &objs[3], &objs[4], &objs[5], &objs[6], &objs[7],
                          &objs[8], &objs[9], &objs[10], &objs[11], &objs[12], &objs[13],
                          &objs[14], &objs[15], &ld, &n_old, &bias, &eps,
                          &max_iter, &state)) {
        return NULL;
    }
    Py_buffer v[N];
    if (get_arrays(objs, v, specs, N) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t *index = NULL;
    problem p;
    if (set_problem(&p, v, bias, eps, max_iter, state, "gram_solve") < 0) {
        goto done;
    }
    if (ld < p.l || length(&v[Q]) < ld * ld || length(&v[GRAD]) < p.l
        || length(&v[ALPHA_W]) < p.l || length(&v[SCRATCH]) != length(&v[W])
        || length(&v[C_INDPTR]) != length(&v[W]) || length(&v[C_INDICES]) != length(&v[DATA])
        || length(&v[C_DATA]) != length(&v[DATA])
        || length(&v[ACC]) != length(&v[INDPTR]) - 1 || n_old < 0 || n_old > p.l) {
        PyErr_SetString(PyExc_ValueError, "gram_solve: array lengths do not match");
        goto done;
    }
    index = PyMem_Malloc((p.l ? p.l : 1) * sizeof(Py_ssize_t));
    if (index == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    long n_iter;
    double *q = v[Q].buf, *grad = v[GRAD].buf, *alpha_w = v[ALPHA_W].buf;
    double *scratch = v[SCRATCH].buf;
    columns c = {.indptr = v[C_INDPTR].buf, .indices = v[C_INDICES].buf,
                 .data = v[C_DATA].buf, .acc = v[ACC].buf,
                 .n_rows = length(&v[ACC])};
    Py_BEGIN_ALLOW_THREADS
    n_iter = solve_gram(&p, &c, q, ld, grad, alpha_w, scratch, n_old, index);
    Py_END_ALLOW_THREADS
    result = Py_BuildValue("(lK)", n_iter, (unsigned long long)p.state);
done:
    PyMem_Free(index);
    release_arrays(v, N);
    return result;
}

/* ---------------------------------------------------------------- scoring */

/* out[r] = x_r . w + intercept for rows not labelled, -inf for labelled ones. */
static PyObject *
score_unlabeled(PyObject *self, PyObject *args)
{
    enum { S_INDPTR, S_INDICES, S_DATA, S_W, S_LABELED, S_OUT, N };
    static const spec specs[N] = {{"indptr", INT32, 0}, {"indices", INT32, 0},
                                  {"data", FLOAT64, 0}, {"w", FLOAT64, 0},
                                  {"labeled", BOOL, 0}, {"out", FLOAT64, 1}};
    PyObject *objs[N];
    double intercept;
    if (!PyArg_ParseTuple(args, "OOOOOdO:score_unlabeled", &objs[0], &objs[1], &objs[2],
                          &objs[3], &objs[4], &intercept, &objs[5])) {
        return NULL;
    }
    Py_buffer v[N];
    if (get_arrays(objs, v, specs, N) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t n_rows = length(&v[S_INDPTR]) - 1;
    if (n_rows < 0 || length(&v[S_INDICES]) != length(&v[S_DATA])
        || length(&v[S_LABELED]) != n_rows || length(&v[S_OUT]) != n_rows) {
        PyErr_SetString(PyExc_ValueError, "score_unlabeled: array lengths do not match");
        goto done;
    }
    const int32_t *indptr = v[S_INDPTR].buf, *indices = v[S_INDICES].buf;
    const double *data = v[S_DATA].buf, *w = v[S_W].buf;
    const char *labeled = v[S_LABELED].buf;
    double *out = v[S_OUT].buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t r = 0; r < n_rows; r++) {
        if (labeled[r]) {
            out[r] = -INFINITY;
            continue;
        }
        /* Four partial sums (entry j of the row into sum j mod 4): one running sum makes
         * every addition wait for the one before, which bounded this loop. */
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        int32_t k = indptr[r], end = indptr[r + 1];
        for (; k + 4 <= end; k += 4) {
            s0 += data[k] * w[indices[k]];
            s1 += data[k + 1] * w[indices[k + 1]];
            s2 += data[k + 2] * w[indices[k + 2]];
            s3 += data[k + 3] * w[indices[k + 3]];
        }
        if (k < end) {
            s0 += data[k] * w[indices[k]];
        }
        if (k + 1 < end) {
            s1 += data[k + 1] * w[indices[k + 1]];
        }
        if (k + 2 < end) {
            s2 += data[k + 2] * w[indices[k + 2]];
        }
        out[r] = ((s0 + s1) + (s2 + s3)) + intercept;
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    release_arrays(v, N);
    return result;
}

static PyMethodDef methods[] = {
    {"solve_dual", solve_dual, METH_VARARGS,
     "solve_dual(indptr, indices, data, rows, y, cost, alpha, w, sqnorm, bias, eps, "
     "max_iter, state) -> (n_iter, state)"},
    {"gram_solve", gram_solve, METH_VARARGS,
     "gram_solve(indptr, indices, data, rows, y, cost, alpha, w, q, grad, alpha_w, scratch, "
     "col_indptr, col_indices, col_data, acc, ld, n_old, bias, eps, max_iter, "
     "state) -> (n_iter, state)"},
    {"score_unlabeled", score_unlabeled, METH_VARARGS,
     "score_unlabeled(indptr, indices, data, w, labeled, intercept, out) -> None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_linsvm", "C accelerator for the warm-started linear SVM.", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__linsvm(void)
{
    return PyModule_Create(&module);
}
