"""Build the optional C accelerators; everything else is declared in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and the readers use
their pure-Python twins (screening/readers/tagged.py, medline_split.py, fields.py,
construct.py).
"""

from setuptools import Extension, setup


def _accelerator(name: str) -> Extension:
    return Extension(f"screening.readers.{name}", [f"screening/readers/{name}.c"], optional=True)


setup(ext_modules=[_accelerator(name) for name in ("_speedups", "_normalize", "_frozen")])
