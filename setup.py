"""Build the optional C accelerators; everything else is declared in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and the readers use
their pure-Python twins (screening/readers/tagged.py, medline_split.py, fields.py,
construct.py); simulated screening then retrains with scikit-learn's LinearSVC instead of
the warm-started solver (screening/rank/linsvm.py).
"""

from setuptools import Extension, setup


def _accelerator(package: str, name: str) -> Extension:
    return Extension(f"screening.{package}.{name}", [f"screening/{package}/{name}.c"],
                     optional=True)


setup(ext_modules=[*(_accelerator("readers", name)
                     for name in ("_speedups", "_normalize", "_frozen")),
                   _accelerator("rank", "_linsvm")])
