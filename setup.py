"""Build the optional C accelerator; everything else is declared in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and the readers use
their pure-Python path (screening/readers/tagged.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "screening.readers._speedups",
            ["screening/readers/_speedups.c"],
            optional=True,
        )
    ]
)
