"""Data extraction and meta-analysis: from included studies to pooled results and forest plots.

Modules (import what you need; this package imports nothing itself, so ``litsieve`` stays
fast to start and nothing happens at import time):

* :mod:`extraction.schema`, :mod:`extraction.tables`, :mod:`extraction.template`,
  :mod:`extraction.compare` -- the extraction form: write, read, check, compare;
* :mod:`extraction.conversions` -- median/IQR/range, SE, CI to mean and SD; combining arms;
* :mod:`extraction.studies`, :mod:`extraction.inputs` -- study-level data to pool;
* :mod:`extraction.effects` -- MD, SMD, ROM, RR, OR, RD, Peto OR per study;
* :mod:`extraction.pooling` -- IV (fixed, DL/REML/PM, Hartung-Knapp), Mantel-Haenszel,
  Peto, heterogeneity, subgroups, the ``revman5`` and ``metafor`` profiles;
* :mod:`extraction.analysis` -- one outcome end to end; :mod:`extraction.results`,
  :mod:`extraction.forest`, :mod:`extraction.report` -- JSON/CSV, forest plot, text;
* :mod:`extraction.cli` -- ``litsieve pool`` and ``litsieve extract ...``.

Layering: ``extraction`` may import only ``screening.model`` from screening; its errors
derive from :class:`extraction.errors.ExtractionError`.
"""
