"""Small published data sets used as always-available fixtures (typed in here, with sources)."""

from __future__ import annotations

import pytest

from extraction.studies import BinaryStudy, ContinuousStudy

#: BCG vaccine trials (Colditz et al. 1994), as analysed in Viechtbauer W (2010),
#: "Conducting meta-analyses in R with the metafor package", J Stat Softw 36(3):
#: (label, tpos, tneg, cpos, cneg).
BCG = [
    ("Aronson 1948", 4, 119, 11, 128), ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal 1960", 3, 228, 11, 209), ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller 1973", 33, 5036, 47, 5761), ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere 1973", 8, 2537, 10, 619), ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232), ("Rosenthal 1961", 17, 1699, 65, 1600),
    ("Comstock 1974", 186, 50448, 141, 27197), ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock 1976", 27, 16886, 29, 17825),
]

#: Fleiss (1993) mental health utilisation, as in RevMan 5's own analysis file shipped
#: with the R package meta (inst/extdata/Fleiss1993_CR.csv): (label, n1, m1, sd1, n2, m2, sd2).
FLEISS_MD = [
    ("Davis", 13, 5.0, 4.7, 13, 6.5, 3.8), ("Florell", 30, 4.9, 1.71, 50, 6.1, 2.3),
    ("Gruen", 35, 22.5, 3.44, 35, 24.9, 10.65), ("Hart", 20, 12.5, 1.47, 20, 12.3, 1.66),
    ("Wilson", 8, 6.5, 0.76, 8, 7.38, 1.41),
]

#: Fleiss (1993) aspirin after myocardial infarction, mortality; RevMan 5 file Fleiss1993.rm5
#: in the R package meta: (label, deaths aspirin, n aspirin, deaths control, n control).
FLEISS_ASPIRIN = [
    ("MRC-1", 49, 615, 67, 624), ("CDP", 44, 758, 64, 771), ("MRC-2", 102, 832, 126, 850),
    ("GASP", 32, 317, 38, 309), ("PARIS", 85, 810, 52, 406), ("AMIS", 246, 2267, 219, 2257),
    ("ISIS-2", 1570, 8587, 1720, 8600),
]

#: Hine et al. (1989) prophylactic lidocaine, mortality (Normand 1999, Stat Med, Table III):
#: (label, deaths lidocaine, n, deaths control, n).
HINE = [
    ("Chopra", 2, 39, 1, 43), ("Mogensen", 4, 44, 4, 44), ("Pitt", 6, 107, 4, 110),
    ("Darby", 7, 103, 5, 100), ("Bennett", 7, 110, 3, 106), ("O'Brien", 11, 154, 4, 146),
]


@pytest.fixture
def bcg() -> list[BinaryStudy]:
    return [BinaryStudy(s, a, a + b, c, c + d) for s, a, b, c, d in BCG]


@pytest.fixture
def fleiss_md() -> list[ContinuousStudy]:
    return [ContinuousStudy(s, m1, sd1, n1, m2, sd2, n2)
            for s, n1, m1, sd1, n2, m2, sd2 in FLEISS_MD]


@pytest.fixture
def aspirin() -> list[BinaryStudy]:
    return [BinaryStudy(*row) for row in FLEISS_ASPIRIN]


@pytest.fixture
def hine() -> list[BinaryStudy]:
    return [BinaryStudy(*row) for row in HINE]
