#!/usr/bin/env python3
"""Write the invented example review in this folder: every record and number is made up.

    python examples/ketamine/make_example.py

rewrites ``pubmed.nbib``, ``embase.ris``, ``votes.csv`` and ``extraction.csv`` identically on
every run (a seeded ``random.Random``; the standard library only). Nothing here describes
a real paper: titles, authors, abstracts, identifiers and results are invented. PMIDs start
with 9 (no real PMID is that large), DOIs use the 10.5555 test prefix, and Embase ids
start with L99. ``litsieve.toml`` and ``README.md`` are written by hand.

The example is a review of intravenous ketamine for chronic non-cancer pain at the scale of
the one litsieve started from: about 790 records from PubMed and Embase, 696 after
deduplication, screened by two reviewers (``ann`` and ``bob``) with a lead (``lea``) who
resolves their conflicts, down to 7 randomised trials. The records are built in this
order: the 24 records that reach the full text (written out below), then about 670 that
the reviewers exclude on title and abstract, drawn from templates by topic (ketamine for
depression, perioperative ketamine, opioid trials, animal studies...). Titles are kept
apart from each other (``_distinct``) so that deduplication links only the records meant
to be linked: the Embase copies of PubMed records (same DOI, same PMID, a title with other
punctuation and case, a translated title) and the conference abstracts of later articles,
which litsieve leaves as "maybe" pairs.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240304
NOTICE = "Made-up record for the litsieve demo: every record in this file is invented."

# Records per database (unique after deduplication: both + pubmed + embase = 696).
N_BOTH, N_PUBMED_ONLY, N_EMBASE_ONLY = 96, 248, 352
N_CONFERENCE = 100  # Embase conference abstracts (all Embase-only)
N_EMBASE_NOT_MEDLINE = 40  # Embase-only articles in journals MEDLINE does not index


# -- journals ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Journal:
    name: str
    abbrev: str
    code: str  # for DOIs
    volume_2020: int  # volume number in 2020 (0: numbered by year)
    medline: bool = True
    language: str = "eng"


def _j(name, abbrev, code, vol, medline=True, language="eng"):
    return Journal(name, abbrev, code, vol, medline, language)


JOURNALS = {
    "pain": [
        _j("Pain", "Pain", "pain", 161), _j("European Journal of Pain", "Eur J Pain", "ejp", 24),
        _j("Journal of Pain Research", "J Pain Res", "jpr", 13),
        _j("Pain Medicine", "Pain Med", "pm", 21),
        _j("The Clinical Journal of Pain", "Clin J Pain", "cjp", 36),
        _j("Pain Practice", "Pain Pract", "papr", 20),
        _j("Regional Anesthesia and Pain Medicine", "Reg Anesth Pain Med", "rapm", 45),
        _j("The Journal of Pain", "J Pain", "jpain", 21),
        _j("Pain Physician", "Pain Physician", "pp", 23),
        _j("Scandinavian Journal of Pain", "Scand J Pain", "sjpain", 20),
        _j("Pain Reports", "Pain Rep", "painrep", 5),
        _j("Pain Management", "Pain Manag", "pmt", 10),
    ],
    "anaesthesia": [
        _j("Anesthesia and Analgesia", "Anesth Analg", "aa", 130),
        _j("British Journal of Anaesthesia", "Br J Anaesth", "bja", 124),
        _j("Anaesthesia", "Anaesthesia", "anae", 75),
        _j("Anesthesiology", "Anesthesiology", "aln", 132),
        _j("European Journal of Anaesthesiology", "Eur J Anaesthesiol", "eja", 37),
        _j("Canadian Journal of Anaesthesia", "Can J Anaesth", "cja", 67),
        _j("Acta Anaesthesiologica Scandinavica", "Acta Anaesthesiol Scand", "aas", 64),
        _j("Journal of Clinical Anesthesia", "J Clin Anesth", "jca", 62),
        _j("Minerva Anestesiologica", "Minerva Anestesiol", "minanest", 86),
        _j("BMC Anesthesiology", "BMC Anesthesiol", "bmcanes", 20),
        _j("Korean Journal of Anesthesiology", "Korean J Anesthesiol", "kja", 73),
    ],
    "psychiatry": [
        _j("Journal of Affective Disorders", "J Affect Disord", "jad", 270),
        _j("The American Journal of Psychiatry", "Am J Psychiatry", "ajp", 177),
        _j("Biological Psychiatry", "Biol Psychiatry", "biopsych", 87),
        _j("Neuropsychopharmacology", "Neuropsychopharmacology", "npp", 45),
        _j("The Journal of Clinical Psychiatry", "J Clin Psychiatry", "jcp", 81),
        _j("Depression and Anxiety", "Depress Anxiety", "da", 37),
        _j("Psychopharmacology", "Psychopharmacology (Berl)", "psyph", 237),
        _j("Frontiers in Psychiatry", "Front Psychiatry", "fpsyt", 11),
        _j("Translational Psychiatry", "Transl Psychiatry", "tp", 10),
        _j("European Neuropsychopharmacology", "Eur Neuropsychopharmacol", "euroneuro", 30),
    ],
    "emergency": [
        _j("Annals of Emergency Medicine", "Ann Emerg Med", "aem", 75),
        _j("Academic Emergency Medicine", "Acad Emerg Med", "acem", 27),
        _j("The American Journal of Emergency Medicine", "Am J Emerg Med", "ajem", 38),
        _j("Emergency Medicine Journal", "Emerg Med J", "emj", 37),
        _j("Critical Care Medicine", "Crit Care Med", "ccm", 48),
        _j("Prehospital Emergency Care", "Prehosp Emerg Care", "pec", 24),
    ],
    "paediatrics": [
        _j("Paediatric Anaesthesia", "Paediatr Anaesth", "pan", 30),
        _j("Pediatric Emergency Care", "Pediatr Emerg Care", "pedemc", 36),
        _j("Journal of Pediatric Surgery", "J Pediatr Surg", "jps", 55),
    ],
    "basic": [
        _j("Neuropharmacology", "Neuropharmacology", "neuropharm", 170),
        _j("European Journal of Pharmacology", "Eur J Pharmacol", "ejphar", 880),
        _j("Molecular Pain", "Mol Pain", "mpx", 16),
        _j("Neuroscience Letters", "Neurosci Lett", "neulet", 730),
        _j("Brain Research", "Brain Res", "brainres", 1740),
        _j("Behavioural Brain Research", "Behav Brain Res", "bbr", 390),
        _j("Pharmacology, Biochemistry, and Behavior", "Pharmacol Biochem Behav", "pbb", 190),
        _j("Neuroscience", "Neuroscience", "nsci", 430),
    ],
    "general": [
        _j("BMJ Open", "BMJ Open", "bmjopen", 10), _j("PLoS One", "PLoS One", "pone", 15),
        _j("Trials", "Trials", "trials", 21), _j("Scientific Reports", "Sci Rep", "srep", 10),
        _j("Medicine", "Medicine (Baltimore)", "md", 99),
    ],
    "palliative": [
        _j("Journal of Palliative Medicine", "J Palliat Med", "jpm", 23),
        _j("Supportive Care in Cancer", "Support Care Cancer", "scc", 28),
        _j("Journal of Pain and Symptom Management", "J Pain Symptom Manage", "jpsm", 60),
        _j("Palliative Medicine", "Palliat Med", "pmj", 34),
    ],
    "addiction": [
        _j("Drug and Alcohol Dependence", "Drug Alcohol Depend", "dad", 210),
        _j("Addiction", "Addiction", "add", 115), _j("BJU International", "BJU Int", "bju", 125),
        _j("The Journal of Urology", "J Urol", "juro", 203),
        _j("Clinical Toxicology", "Clin Toxicol (Phila)", "ctox", 58),
    ],
    "neurology": [
        _j("Headache", "Headache", "head", 60), _j("Cephalalgia", "Cephalalgia", "cep", 40),
        _j("The Journal of Headache and Pain", "J Headache Pain", "jhp", 21),
        _j("Spinal Cord", "Spinal Cord", "sc", 58),
        _j("Journal of Neurotrauma", "J Neurotrauma", "neu", 37),
        _j("Rheumatology", "Rheumatology (Oxford)", "rheum", 59),
        _j("Arthritis Research & Therapy", "Arthritis Res Ther", "art", 22),
    ],
    # Journals that MEDLINE does not index: their articles are in Embase only.
    "embase_only": [
        _j("Egyptian Journal of Anaesthesia", "Egypt J Anaesth", "eja-eg", 36, False),
        _j("Anesthesia: Essays and Researches", "Anesth Essays Res", "aer", 14, False),
        _j("Journal of Anaesthesiology Clinical Pharmacology", "J Anaesthesiol Clin Pharmacol",
           "joacp", 36, False),
        _j("Turkish Journal of Anaesthesiology and Reanimation", "Turk J Anaesthesiol Reanim",
           "tjar", 48, False),
        _j("Pain Studies and Treatment", "Pain Stud Treat", "pst", 8, False),
        _j("Ain-Shams Journal of Anesthesiology", "Ain-Shams J Anesthesiol", "asja", 12, False),
    ],
}
SCHMERZ = _j("Der Schmerz", "Schmerz", "schmerz", 34, True, "ger")
EGYPT = JOURNALS["embase_only"][0]
# Conference supplements, by topic family.
CONFERENCE_JOURNALS = {
    "psychiatry": ["Biological Psychiatry", "European Neuropsychopharmacology",
                   "Neuropsychopharmacology"],
    "pain": ["The Journal of Pain", "Regional Anesthesia and Pain Medicine", "Pain Medicine",
             "European Journal of Pain"],
    "anaesthesia": ["British Journal of Anaesthesia", "European Journal of Anaesthesiology",
                    "Anesthesia and Analgesia"],
    "emergency": ["Academic Emergency Medicine", "Annals of Emergency Medicine"],
    "addiction": ["Drug and Alcohol Dependence", "The Journal of Urology"],
}
_BY_NAME = {j.name: j for group in JOURNALS.values() for j in group}


def volume_of(journal: Journal, year: int) -> int:
    return max(1, journal.volume_2020 + (year - 2020) * (10 if journal.volume_2020 > 600 else 1))


# -- people and places ------------------------------------------------------------------------

SURNAMES = """Abara Abebe Adeyemi Ahlgren Akinola Albrecht Alvarenga Amundsen Andersen Antonelli
Aragon Arslan Asante Bakker Balogun Barros Bauer Becker Bergstrom Bianchi Bjork Blanco Bondar
Borges Brennan Brodeur Caldwell Campos Carvalho Castellano Chandra Chaudhry Chen Costa Dahl
Dalton Dimitrov Dobrev Doyle Dubois Eklund Elbaz Engel Esposito Falk Farouk Ferreira Fischer
Fontaine Forsberg Fujita Galli Garcia Gashi Ghosh Gomez Greco Gruber Guerin Haddad Hakimi Hansen
Hartmann Hayashi Hedlund Hoffmann Holm Horvat Hosseini Huber Ibrahim Ishikawa Ivanova Jablonski
Jansen Jensen Jovanovic Kaur Keller Khalil Kim Klein Kovacs Kowalczyk Kruger Kumar Lachance
Lambert Larsen Laurent Lehmann Leone Lindgren Lopes Lund Maalouf Madsen Mahmoud Marino Martens
Matsumoto Mbeki Medina Mehta Meier Mendes Moreau Morita Mwangi Nagy Nakamura Navarro Nielsen
Novak Nowak Nyberg Obi Okafor Okonkwo Oliveira Olsen Ortega Osei Ozturk Park Pereira Petersen
Petrov Pham Pinto Popescu Quintero Rahman Ramos Rasmussen Reyes Ricci Rinaldi Rocha Romano
Rossi Saito Salazar Santos Sato Schafer Schmid Schneider Sharma Silva Singh Sorensen Stoica
Strand Suzuki Svensson Tanaka Tavares Thorsen Tran Urban Valente Vargas Varga Vasquez Visser
Vogel Wagner Walsh Wang Weber Wieczorek Wright Yamada Yilmaz Yusuf Zhang Zhou Zielinski""".split()
GIVEN = """Aiko Alejandro Amara Ana Anders Anna Arjun Astrid Ayesha Bianca Carlos Chen Chidi Claire
Daniel David Elena Elif Emil Emma Farah Felix Fatima Giulia Hana Hannah Hassan Helena Henrik Ines
Ingrid Isabel Jakob Jan Javier Jonas Julia Kai Karin Kenji Lars Laura Leila Lena Lucas Magnus
Maria Marta Maya Mei Mikael Nadia Naledi Nils Noor Olga Omar Pablo Paula Per Pierre Priya Rafael
Rania Ravi Rita Samir Sara Sipho Sofia Stefan Tariq Thomas Tomas Ulla Victor Wei Yara Yusuf Zofia
""".split()
PLACES = [
    ("Northfield University Hospital", "Northfield", "United Kingdom"),
    ("Riverside Medical Centre", "Aarhus", "Denmark"),
    ("Lakeshore University Hospital", "Uppsala", "Sweden"),
    ("Hillcrest Academic Hospital", "Leiden", "Netherlands"),
    ("Bayview Pain Institute", "Toronto", "Canada"),
    ("St Brendan's Hospital", "Dublin", "Ireland"),
    ("Cedar Valley Medical School", "Porto Alegre", "Brazil"),
    ("Eastgate University Clinic", "Graz", "Austria"),
    ("Harbour City Hospital", "Sydney", "Australia"),
    ("Westbrook University Medical Center", "Madison", "USA"),
    ("Greenway Research Hospital", "Seoul", "Korea"),
    ("Old Mill Teaching Hospital", "Cairo", "Egypt"),
    ("Meadowbank University Hospital", "Bergen", "Norway"),
    ("Kingsgate Medical University", "Krakow", "Poland"),
    ("Southbridge Clinical Centre", "Lyon", "France"),
    ("Linden Park Hospital", "Freiburg", "Germany"),
    ("Orchard Hill University Hospital", "Chengdu", "China"),
    ("Stonebridge Pain Centre", "Pune", "India"),
]
DEPARTMENTS = {
    "pain": "Department of Anaesthesia and Pain Medicine",
    "anaesthesia": "Department of Anaesthesiology",
    "psychiatry": "Department of Psychiatry",
    "emergency": "Department of Emergency Medicine",
    "paediatrics": "Department of Paediatric Anaesthesia",
    "basic": "Department of Pharmacology",
    "general": "Department of Anaesthesiology",
    "palliative": "Department of Palliative Care",
    "addiction": "Department of Addiction Medicine",
    "neurology": "Department of Neurology",
    "embase_only": "Department of Anaesthesiology",
}


# -- records ----------------------------------------------------------------------------------

@dataclass
class Rec:
    key: str
    family: str
    title: str
    abstract: str
    journal_group: str
    design: str = "rct"  # rct, cohort, review, animal, case, letter, erratum, protocol...
    pt: list[str] = field(default_factory=list)  # MEDLINE publication types
    m3: str = "Article"
    mesh: list[str] = field(default_factory=list)
    emtree: list[str] = field(default_factory=list)
    reason: str = ""  # the exclusion reason the reviewers give on title/abstract
    year: int = 0
    journal: Journal | None = None
    authors: list[tuple[str, str, str]] = field(default_factory=list)  # family, given, initials
    volume: str = ""
    issue: str = ""
    first_page: str = ""
    last_page: str = ""
    doi: str = ""
    pmid: str = ""
    embase_id: str = ""
    month: str = ""
    where: str = ""  # both | pubmed | embase
    conference: bool = False
    embase_c5: bool = True  # Embase knows the PMID (records also in MEDLINE)
    embase_doi: bool = True
    pubmed_doi: bool = True
    embase_title: str = ""  # the Embase copy's title when it differs
    title_original: str = ""
    erratum_for: str = ""
    erratum_cite: str = ""
    comment_on: str = ""
    # screening plan: (ann vote, ann reason, bob vote, bob reason)
    ta: tuple = ()
    lead: tuple = ()  # (vote, reason, note) when the reviewers disagree
    ft: tuple = ()  # (reviewer, vote, reason, note)
    exempt: bool = False  # meant to be close to another title (a pair)


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


class Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.titles: list[str] = []
        self.sorted_titles: list[str] = []
        self.word_sets: list[set[str]] = []
        self.used_pmids: set[str] = set()
        self.used_embase: set[str] = set()
        self.used_dois: set[str] = set()
        self.matcher = difflib.SequenceMatcher(autojunk=False)

    # - distinct titles -
    @staticmethod
    def norm(title: str) -> str:
        return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()

    def distinct(self, title: str, limit: float = 0.8) -> bool:
        """Whether ``title`` is far from every title so far (characters, and words in any
        order). Titles sharing less than half their words are far enough."""
        a = self.norm(title)
        words = set(a.split())
        sa = " ".join(sorted(a.split()))
        m = self.matcher
        for b, sb, wb in zip(self.titles, self.sorted_titles, self.word_sets, strict=True):
            if len(words & wb) < 0.5 * max(len(words), len(wb)):
                continue
            for x, y in ((a, b), (sa, sb)):
                m.set_seqs(x, y)
                if m.real_quick_ratio() >= limit and m.quick_ratio() >= limit \
                        and m.ratio() >= limit:
                    return False
        return True

    def keep_title(self, title: str) -> None:
        a = self.norm(title)
        self.titles.append(a)
        self.sorted_titles.append(" ".join(sorted(a.split())))
        self.word_sets.append(set(a.split()))

    # - identifiers -
    def pmid_for(self, year: int) -> str:
        while True:
            value = str(90_000_000 + (year - 2004) * 400_000 + self.rng.randrange(390_000))
            if value not in self.used_pmids:
                self.used_pmids.add(value)
                return value

    def embase_for(self, year: int) -> str:
        while True:
            value = f"L99{(year - 2004) * 400_000 + self.rng.randrange(390_000):07d}"
            if value not in self.used_embase:
                self.used_embase.add(value)
                return value

    def doi_for(self, journal: Journal, year: int) -> str:
        while True:
            value = f"10.5555/{journal.code}.{year}.{self.rng.randrange(100, 9999):04d}"
            if value not in self.used_dois:
                self.used_dois.add(value)
                return value

    # - people -
    def people(self, n: int) -> list[tuple[str, str, str]]:
        out = []
        families = self.rng.sample(SURNAMES, n)
        for family in families:
            given = self.rng.choice(GIVEN)
            middle = self.rng.choice("ABCDEFGHJKLMNPRST") if self.rng.random() < 0.3 else ""
            initials = given[0] + middle
            out.append((family, given + (f" {middle}" if middle else ""), initials))
        return out


# -- the 24 records that reach the full text ---------------------------------------------------

def _abstract(background, methods, results, conclusion):
    return (f"BACKGROUND: {background} METHODS: {methods} RESULTS: {results} "
            f"CONCLUSIONS: {conclusion}")


RCT_PT = ["Journal Article", "Randomized Controlled Trial"]
RCT_MESH = ["Humans", "Adult", "Middle Aged", "*Ketamine/administration & dosage",
            "*Chronic Pain/drug therapy", "Double-Blind Method", "Infusions, Intravenous",
            "Pain Measurement"]
RCT_EMTREE = ["ketamine", "chronic pain", "human", "adult", "randomized controlled trial",
              "double blind procedure", "drug efficacy", "intravenous drug administration",
              "numeric rating scale"]

SOUGHT = [
    # key, where, variant, title, journal, year, (authors n), abstract parts, final plan
    dict(key="I1", where="both", title="Five-day intravenous ketamine infusion versus saline "
         "for chronic low back pain with neuropathic features: a randomised, double-blind trial",
         journal="Pain Medicine", year=2019, n_authors=6, first="Halvorsen",
         abstract=("Chronic low back pain with neuropathic features responds poorly to "
                   "standard analgesics, and central sensitisation may be involved.",
                   "In this single-centre trial, 60 adults with chronic low back pain for more "
                   "than 6 months and a painDETECT score of 13 or more were randomised to a "
                   "five-day outpatient infusion of ketamine (0.3 mg/kg/h for 4 h daily) or "
                   "saline. The primary outcome was pain intensity on a 0-10 numeric rating "
                   "scale at the end of treatment.",
                   "Mean pain at the end of treatment was 4.4 with ketamine and 5.8 with "
                   "saline. Dizziness and transient dissociation were more frequent with "
                   "ketamine; no serious adverse events occurred.",
                   "A five-day ketamine infusion reduced pain more than saline at the end of "
                   "treatment; the effect waned over 12 weeks."),
         ta=("include", "", "include", ""), ft=("ann", "include", "", "")),
    dict(key="I2", where="both", title="Ketamine or midazolam infusion in fibromyalgia: a "
         "double-blind randomised crossover trial of pain intensity over four weeks",
         journal="European Journal of Pain", year=2018, n_authors=5, first="Vasquez",
         abstract=("Fibromyalgia is associated with enhanced temporal summation, which NMDA "
                   "receptor antagonists reduce in experimental studies.",
                   "Forty-two women with fibromyalgia received, in random order, a 2-h infusion "
                   "of ketamine 0.5 mg/kg or midazolam 0.05 mg/kg as an active placebo, four "
                   "weeks apart. Pain on a 0-10 scale was recorded daily.",
                   "In the first period, mean pain one week after the infusion was 5.6 with "
                   "ketamine and 5.8 with midazolam; the difference was larger after "
                   "crossover. Psychotomimetic effects made blinding imperfect.",
                   "Ketamine gave a small reduction in fibromyalgia pain compared with an "
                   "active placebo."),
         ta=("include", "", "include", ""), ft=("bob", "include", "", "")),
    dict(key="I3", where="both", variant="c5_only", title="Outpatient intravenous ketamine for "
         "complex regional pain syndrome: a placebo-controlled randomised trial",
         journal="Regional Anesthesia and Pain Medicine", year=2021, n_authors=7,
         first="Lindqvist-Moreau",
         abstract=("Ketamine infusions are widely used for complex regional pain syndrome "
                   "(CRPS) although controlled evidence is scarce.",
                   "Adults meeting the Budapest criteria for CRPS of one limb for at least 6 "
                   "months were randomised to ten daily 4-h infusions of ketamine (up to 0.35 "
                   "mg/kg/h) or saline over two weeks, as outpatients. Pain intensity (0-10) "
                   "at the end of treatment was the primary outcome.",
                   "Of 49 participants randomised, 47 completed treatment. Mean pain was 3.8 "
                   "with ketamine and 5.9 with saline. Nausea, headache and elevated liver "
                   "enzymes were reported with ketamine.",
                   "Outpatient ketamine infusions reduced CRPS pain at the end of treatment."),
         ta=("include", "", "include", ""), ft=("ann", "include", "", "")),
    dict(key="I4", where="both", variant="translated",
         title="[Intravenous ketamine for chronic postherpetic neuralgia: a randomised "
               "placebo-controlled trial]",
         embase_title="[Intravenous ketamine in chronic post-herpetic neuralgia: a randomized, "
                      "placebo-controlled study]",
         title_original="Intravenöses Ketamin bei chronischer postherpetischer Neuralgie: eine "
                        "randomisierte, placebokontrollierte Studie",
         journal="Der Schmerz", year=2016, n_authors=4, first="Albrecht",
         abstract=("Postherpetic neuralgia often persists despite antiepileptic and "
                   "antidepressant treatment.",
                   "In a randomised, double-blind trial at two German pain centres, 36 "
                   "patients with postherpetic neuralgia for at least 6 months received three "
                   "infusions of ketamine 0.4 mg/kg over 1 h or saline on consecutive days. "
                   "Pain intensity (0-10) was assessed one week after the last infusion.",
                   "Mean pain was 4.9 after ketamine and 5.6 after saline. Two patients "
                   "stopped ketamine because of dizziness.",
                   "Ketamine infusions slightly reduced postherpetic neuralgia pain."),
         ta=("include", "", "include", ""), ft=("bob", "include", "",
                                               "German full text; translated by lea")),
    dict(key="I5", where="both", variant="title_case",
         title="Low-dose ketamine infusions for neuropathic pain after spinal cord injury: a "
               "randomized controlled trial with active placebo",
         embase_title="Low dose ketamine infusions for neuropathic pain after spinal cord "
                      "injury - A Randomized Controlled Trial with Active Placebo",
         journal="Spinal Cord", year=2020, n_authors=6, first="Okonkwo",
         abstract=("Neuropathic pain below the level of a spinal cord injury is common and "
                   "hard to treat.",
                   "Thirty-nine adults with at-level or below-level neuropathic pain after "
                   "traumatic spinal cord injury were randomised to five daily infusions of "
                   "ketamine 0.25 mg/kg/h or diphenhydramine as an active placebo. The primary "
                   "outcome was mean daily pain (0-10) in the week after treatment.",
                   "Mean pain was 5.6 with ketamine and 5.3 with the active placebo. Adverse "
                   "events were mild.",
                   "Low-dose ketamine did not reduce neuropathic pain after spinal cord "
                   "injury."),
         ta=("include", "", "include", ""), ft=("ann", "include", "", "")),
    dict(key="I6", where="pubmed", title="Intravenous ketamine versus lidocaine infusion for "
         "chronic daily headache: a randomised double-blind trial",
         journal="Headache", year=2022, n_authors=5, first="Teixeira",
         abstract=("Patients with chronic daily headache and medication overuse are often "
                   "treated with infusions in specialised clinics.",
                   "Sixty-five adults with chronic daily headache refractory to at least three "
                   "preventive treatments were randomised to a three-day inpatient infusion of "
                   "ketamine or lidocaine. Headache pain intensity (0-10) at discharge was the "
                   "primary outcome.",
                   "Mean pain at discharge was 4.4 with ketamine and 5.5 with lidocaine. "
                   "Hallucinations occurred in four patients given ketamine.",
                   "Ketamine reduced headache pain more than lidocaine at discharge."),
         ta=("include", "", "maybe", ""),
         lead=("include", "", "resolution: randomised, IV ketamine, active control; include"),
         ft=("bob", "include", "", "")),
    dict(key="I7", where="embase", variant="not_medline", title="Effect of a single ketamine "
         "infusion on chronic post-thoracotomy pain: a randomised placebo-controlled trial",
         journal="Egyptian Journal of Anaesthesia", year=2023, n_authors=5, first="Mahmoud",
         abstract=("Chronic pain after thoracotomy affects up to half of patients and is "
                   "partly neuropathic.",
                   "Seventy adults with pain persisting at least 3 months after thoracotomy "
                   "were randomised to a single 1-h infusion of ketamine 0.5 mg/kg or saline. "
                   "Pain (0-10) was assessed four weeks later, at the end of follow-up.",
                   "Mean pain was 3.9 with ketamine and 5.0 with saline. Transient "
                   "dissociation occurred in 9 patients given ketamine.",
                   "A single ketamine infusion reduced chronic post-thoracotomy pain."),
         ta=("include", "", "include", ""), ft=("ann", "include", "", "")),
    dict(key="NR", where="embase", variant="not_medline", title="Ketamine infusions for "
         "chronic pain in adults with sickle cell disease: a randomised pilot study",
         journal="Pain Studies and Treatment", year=2014, n_authors=3, first="Asante",
         abstract=("Adults with sickle cell disease may develop chronic pain between vaso-"
                   "occlusive crises.",
                   "This pilot study randomised 20 adults with chronic sickle cell pain to "
                   "ketamine or saline infusions.",
                   "Results are reported for pain, opioid use and adverse events.",
                   "A larger trial is feasible."),
         ta=("include", "", "include", ""),
         ft=("bob", "not_retrieved", "", "no library holds this volume; the authors did not "
                                          "answer two requests")),
    dict(key="X1", where="both", title="Intravenous ketamine infusions for refractory chronic "
         "pain: a prospective open-label study of 60 patients",
         journal="Pain Practice", year=2017, n_authors=4, first="Brodeur",
         abstract=("Many pain clinics offer ketamine infusions for refractory chronic pain.",
                   "We followed 60 consecutive patients given a 5-day ketamine infusion, "
                   "without a control group.",
                   "Pain fell from 7.4 to 5.9 at the end of treatment and returned towards "
                   "baseline by 3 months.",
                   "Uncontrolled data suggest a short-lived benefit."),
         ta=("include", "", "include", ""),
         ft=("ann", "exclude", "wrong_design", "single-arm, no control group")),
    dict(key="X2", where="pubmed", title="Ketamine infusion compared with standard care for "
         "complex regional pain syndrome: a non-randomised controlled study",
         journal="Pain Physician", year=2015, n_authors=5, first="Kowalczyk",
         abstract=("Randomised trials of ketamine in CRPS are few.",
                   "Patients who chose ketamine infusions were compared with patients who "
                   "continued standard care, matched on age and duration of CRPS.",
                   "Pain at 4 weeks was lower in the ketamine group.",
                   "Ketamine may reduce CRPS pain; a randomised trial is needed."),
         ta=("include", "", "exclude", "wrong_design"),
         lead=("maybe", "", "resolution: allocation unclear from the abstract; check the full "
                            "text"),
         ft=("bob", "exclude", "wrong_design", "allocation by patient preference")),
    dict(key="X3", where="embase", title="Retrospective comparison of ketamine and lidocaine "
         "infusions in fibromyalgia",
         journal="The Clinical Journal of Pain", year=2020, n_authors=3, first="Rinaldi",
         abstract=("Both ketamine and lidocaine infusions are used for fibromyalgia.",
                   "We reviewed the charts of 112 patients treated with either infusion "
                   "between 2012 and 2018.",
                   "Pain reductions were similar in the two groups.",
                   "Randomised comparisons are needed."),
         ta=("maybe", "", "maybe", ""),
         ft=("ann", "exclude", "wrong_design", "retrospective chart review")),
    dict(key="X4", where="both", title="Ketamine infusion in chronic neuropathic pain: a "
         "before-after study with quantitative sensory testing",
         journal="Scandinavian Journal of Pain", year=2019, n_authors=4, first="Thorsen",
         abstract=("Quantitative sensory testing may predict response to ketamine.",
                   "Twenty-eight patients with chronic neuropathic pain had sensory testing "
                   "before and after a ketamine infusion.",
                   "Pain decreased after the infusion in 15 patients.",
                   "Sensory profiles did not predict response."),
         ta=("include", "", "include", ""),
         ft=("bob", "exclude", "wrong_design", "before-after study")),
    dict(key="X5", where="pubmed", title="Intravenous ketamine and capsaicin-induced "
         "hyperalgesia in healthy volunteers: a randomised crossover study",
         journal="European Journal of Pain", year=2016, n_authors=4, first="Nyberg",
         abstract=("Experimental hyperalgesia models are used to screen analgesics.",
                   "Sixteen healthy volunteers received ketamine or saline before intradermal "
                   "capsaicin, in random order.",
                   "Ketamine reduced the area of secondary hyperalgesia.",
                   "Ketamine has antihyperalgesic effects in this model."),
         ta=("include", "", "include", ""),
         ft=("ann", "exclude", "wrong_population", "healthy volunteers")),
    dict(key="X6", where="both", title="Ketamine infusion after spine surgery in "
         "opioid-tolerant patients: a randomised trial of postoperative pain",
         journal="Anesthesia and Analgesia", year=2018, n_authors=6, first="Caldwell",
         abstract=("Patients taking opioids for chronic back pain have severe pain after "
                   "spine surgery.",
                   "Ninety opioid-tolerant patients undergoing lumbar fusion were randomised to "
                   "ketamine or saline for 48 h after surgery.",
                   "Pain scores at 24 and 48 h were lower with ketamine.",
                   "Ketamine improves postoperative analgesia in opioid-tolerant patients."),
         ta=("exclude", "wrong_population", "include", ""),
         lead=("include", "", "resolution: chronic pain patients; check whether chronic pain "
                              "is reported"),
         ft=("ann", "exclude", "wrong_population", "acute postoperative pain only")),
    dict(key="X7", where="both", variant="pubmed_no_doi", title="Ketamine infusion versus "
         "saline for neuropathic cancer pain: a double-blind randomised study",
         journal="Journal of Pain and Symptom Management", year=2013, n_authors=5,
         first="Gashi",
         abstract=("Neuropathic cancer pain responds poorly to opioids.",
                   "Forty-four patients with neuropathic cancer pain were randomised to a "
                   "ketamine or saline infusion.",
                   "Pain one week later did not differ between groups.",
                   "Ketamine did not reduce neuropathic cancer pain."),
         ta=("include", "", "include", ""),
         ft=("bob", "exclude", "wrong_population", "cancer pain")),
    dict(key="X8", where="pubmed", title="Ketamine infusion for chronic pain in adolescents: "
         "a randomised pilot trial",
         journal="Paediatric Anaesthesia", year=2021, n_authors=4, first="Hedlund",
         abstract=("Adolescents with chronic pain are rarely studied in drug trials.",
                   "Twenty-four adolescents aged 12-17 years with chronic pain were randomised "
                   "to ketamine or saline infusions.",
                   "Recruitment and retention were feasible; pain fell in both groups.",
                   "A definitive trial is feasible."),
         ta=("include", "", "include", ""),
         ft=("ann", "exclude", "wrong_population", "adolescents")),
    dict(key="X9", where="embase", title="Subanaesthetic ketamine for acute vaso-occlusive "
         "pain crisis in sickle cell disease: a randomised trial",
         journal="The American Journal of Emergency Medicine", year=2022, n_authors=5,
         first="Osei",
         abstract=("Vaso-occlusive crises cause severe acute pain.",
                   "Adults presenting with a crisis were randomised to ketamine or morphine.",
                   "Pain at 2 h was similar.",
                   "Ketamine is an alternative to morphine in the emergency department."),
         ta=("maybe", "", "maybe", ""),
         ft=("bob", "exclude", "wrong_population", "acute pain crisis")),
    dict(key="X10", where="both", title="Oral ketamine versus placebo for chronic neuropathic "
         "pain: a randomised crossover trial",
         journal="Pain", year=2014, n_authors=5, first="Fontaine",
         abstract=("Oral ketamine is an option for long-term treatment.",
                   "Thirty patients took oral ketamine or placebo for 6 weeks each in random "
                   "order.",
                   "Pain was slightly lower with oral ketamine.",
                   "Oral ketamine had a small effect."),
         ta=("include", "", "exclude", "wrong_intervention"),
         lead=("include", "", "resolution: check the route; the title says oral"),
         ft=("ann", "exclude", "wrong_intervention", "oral ketamine")),
    dict(key="X11", where="embase", title="Intranasal esketamine for chronic neuropathic pain: "
         "a randomised double-blind pilot trial",
         journal="Pain Reports", year=2023, n_authors=4, first="Matsumoto",
         abstract=("Intranasal esketamine is approved for depression.",
                   "Thirty-two patients used intranasal esketamine or placebo twice weekly for "
                   "4 weeks.",
                   "Pain fell more with esketamine.",
                   "Intranasal esketamine deserves a larger trial."),
         ta=("include", "", "include", ""),
         ft=("bob", "exclude", "wrong_intervention", "intranasal esketamine")),
    dict(key="X12", where="pubmed", title="Combined lidocaine and ketamine infusion versus "
         "saline in fibromyalgia: a randomised trial",
         journal="Rheumatology", year=2019, n_authors=5, first="Quintero",
         abstract=("Combinations of infusions are used in pain clinics.",
                   "Fifty patients with fibromyalgia received lidocaine with ketamine, or "
                   "saline, weekly for 4 weeks.",
                   "Pain fell more with the combination.",
                   "The combination reduced fibromyalgia pain."),
         ta=("include", "", "include", ""),
         ft=("ann", "exclude", "wrong_intervention", "ketamine only combined with lidocaine")),
    dict(key="X13", where="both", title="High versus low dose intravenous ketamine for complex "
         "regional pain syndrome: a randomised double-blind trial",
         journal="The Journal of Pain", year=2022, n_authors=6, first="Antonelli",
         abstract=("The best dose of ketamine for CRPS is unknown.",
                   "Sixty adults with CRPS were randomised to ketamine 0.15 or 0.5 mg/kg/h for "
                   "4 h daily over 5 days.",
                   "Pain fell in both groups; the difference was not significant.",
                   "The higher dose was not more effective."),
         ta=("include", "", "include", ""),
         ft=("bob", "exclude", "wrong_comparator", "two doses of ketamine, no placebo")),
    dict(key="X14", where="embase", variant="conference", pair="X13",
         title="High versus low dose intravenous ketamine for complex regional pain syndrome: "
               "interim results of a randomised double-blind trial",
         journal="The Journal of Pain", year=2021, n_authors=4, first="Antonelli",
         abstract=("Dose-finding data for ketamine in CRPS are lacking.",
                   "Interim analysis of a randomised trial of two ketamine doses.",
                   "Pain fell in both groups.",
                   "Final results will follow."),
         ta=("maybe", "", "exclude", "wrong_comparator"),
         lead=("include", "", "resolution: conference abstract of a randomised trial; assess "
                              "with its full report"),
         ft=("bob", "exclude", "wrong_comparator", "conference abstract of the two-dose trial")),
    dict(key="X15", where="both", variant="doi_only", title="Ketamine infusion and depressive "
         "symptoms in patients with chronic pain: a randomised trial",
         journal="Journal of Affective Disorders", year=2020, n_authors=5, first="Wieczorek",
         abstract=("Depression is common in chronic pain.",
                   "Sixty patients with chronic pain and depressive symptoms were randomised to "
                   "ketamine or midazolam infusions.",
                   "Depression scores improved more with ketamine; pain was not measured.",
                   "Ketamine improved depressive symptoms."),
         ta=("include", "", "include", ""),
         ft=("ann", "exclude", "wrong_outcome", "depression scores only")),
    dict(key="X16", where="pubmed", title="Effect of ketamine infusion on serum BDNF and "
         "inflammatory markers in fibromyalgia: a randomised trial",
         journal="Arthritis Research & Therapy", year=2021, n_authors=6, first="Rahman",
         abstract=("Neurotrophic and inflammatory markers may mediate fibromyalgia.",
                   "Forty patients were randomised to ketamine or saline and blood was "
                   "sampled before and after.",
                   "BDNF rose after ketamine; pain outcomes are to be reported separately.",
                   "Ketamine changed BDNF levels."),
         ta=("exclude", "wrong_outcome", "include", ""),
         lead=("include", "", "resolution: randomised; pain may be reported in the full text"),
         ft=("bob", "exclude", "wrong_outcome", "biomarkers only; no pain outcome")),
]


# -- templates for the records excluded on title and abstract ---------------------------------

CHRONIC = ["fibromyalgia", "complex regional pain syndrome", "chronic low back pain",
           "painful diabetic neuropathy", "postherpetic neuralgia", "phantom limb pain",
           "trigeminal neuralgia", "chronic pancreatitis", "chronic widespread pain",
           "central post-stroke pain", "chronic migraine", "knee osteoarthritis",
           "chronic pelvic pain", "burning mouth syndrome", "chronic neck pain",
           "irritable bowel syndrome", "chronic post-surgical pain", "rheumatoid arthritis",
           "multiple sclerosis pain", "chronic tension-type headache", "vulvodynia",
           "chronic shoulder pain", "hip osteoarthritis", "chronic musculoskeletal pain",
           "chronic neuropathic pain", "HIV-associated neuropathy", "cluster headache",
           "chronic pain after breast surgery", "lumbar radiculopathy", "endometriosis pain"]
SURGERY = ["total knee arthroplasty", "laparoscopic cholecystectomy", "spinal fusion",
           "caesarean delivery", "tonsillectomy", "cardiac surgery", "video-assisted "
           "thoracoscopic surgery", "major abdominal surgery", "hip fracture surgery",
           "mastectomy", "bariatric surgery", "shoulder arthroscopy", "lumbar discectomy",
           "haemorrhoidectomy", "total hip arthroplasty", "hysterectomy", "nephrectomy",
           "thyroidectomy", "septorhinoplasty", "anterior cruciate ligament reconstruction",
           "colorectal surgery", "craniotomy", "liver resection", "open hernia repair",
           "radical prostatectomy", "sternotomy", "scoliosis surgery", "gastrectomy"]
DEP_POP = ["treatment-resistant depression", "bipolar depression", "major depressive "
           "disorder with suicidal ideation", "late-life depression", "postpartum depression",
           "depression in palliative care", "adolescent depression",
           "post-traumatic stress disorder", "obsessive-compulsive disorder",
           "alcohol use disorder", "generalised anxiety disorder",
           "suicidal ideation in the emergency department", "anorexia nervosa",
           "cocaine use disorder", "depression with chronic medical illness",
           "psychotic depression", "social anxiety disorder", "perimenopausal depression"]
DEP_DRUG = ["intravenous ketamine", "intranasal esketamine", "subcutaneous ketamine",
            "oral ketamine", "intramuscular ketamine", "intravenous esketamine", "arketamine",
            "ketamine-assisted psychotherapy", "racemic ketamine"]
OPIOID = ["tapentadol", "buprenorphine transdermal patch", "oxycodone-naloxone",
          "hydromorphone", "methadone", "tramadol", "extended-release morphine",
          "fentanyl buccal tablet", "oxymorphone", "codeine", "hydrocodone", "levorphanol",
          "buprenorphine buccal film", "naloxegol with opioids"]
OTHER_DRUG = ["pregabalin", "gabapentin", "duloxetine", "amitriptyline", "lidocaine infusion",
              "magnesium sulfate", "memantine", "dextromethorphan", "nabiximols",
              "botulinum toxin A", "capsaicin 8% patch", "low-dose naltrexone", "milnacipran",
              "mirogabalin", "cannabidiol", "nortriptyline", "venlafaxine", "carbamazepine",
              "lacosamide", "palmitoylethanolamide", "tanezumab", "methylprednisolone",
              "clonidine", "dexmedetomidine"]
ANIMAL_MODEL = ["spared nerve injury", "chronic constriction injury", "spinal nerve ligation",
                "complete Freund's adjuvant inflammation", "paclitaxel-induced neuropathy",
                "streptozotocin-induced diabetic neuropathy", "bone cancer pain",
                "plantar incision", "chronic restraint stress", "social defeat stress",
                "formalin-induced pain", "tibial fracture with cast immobilisation",
                "oxaliplatin-induced neuropathy", "partial sciatic nerve ligation",
                "repeated acidic saline injection", "carrageenan-induced inflammation"]
MECHANISM = ["spinal microglia", "the NMDA receptor GluN2B subunit", "BDNF-TrkB signalling",
             "mTOR signalling in the anterior cingulate cortex", "HCN channels",
             "descending serotonergic facilitation", "astrocytic glutamate transporters",
             "the lateral habenula", "AMPA receptor trafficking", "endogenous opioid signalling",
             "ERK phosphorylation in the dorsal horn", "the medial prefrontal cortex",
             "the nucleus accumbens", "the periaqueductal grey", "gut microbiota",
             "the hippocampal dentate gyrus", "eEF2 kinase", "the rostral ventromedial medulla",
             "spinal interleukin-1 beta", "the locus coeruleus"]
COUNTRIES = ["Denmark", "Canada", "Australia", "the Netherlands", "Brazil", "Japan", "Sweden",
             "Germany", "Korea", "Ireland", "Norway", "France", "Spain", "Taiwan", "Israel",
             "New Zealand", "Switzerland", "Finland", "Chile", "Turkey"]
ED_POP = ["adults with acute agitation", "older adults", "children with forearm fractures",
          "patients with alcohol withdrawal", "trauma patients", "patients with severe asthma",
          "patients with renal colic", "adults with acute musculoskeletal pain",
          "patients with sickle cell crisis", "intoxicated patients", "burn patients",
          "patients with shoulder dislocation", "adults with migraine attacks",
          "patients with hip fracture"]
SEDATION_COMPARATOR = ["propofol", "etomidate", "midazolam", "dexmedetomidine",
                       "ketofol", "fentanyl", "haloperidol", "droperidol", "nitrous oxide"]
CANCER_PAIN = ["bone metastases", "neuropathic cancer pain", "mucositis pain",
               "pain from pancreatic cancer", "opioid-refractory cancer pain",
               "breakthrough cancer pain", "pain in advanced head and neck cancer",
               "pain in multiple myeloma", "malignant pelvic pain"]
PAEDS = ["dental procedures", "burn dressing changes", "fracture reduction", "laceration "
         "repair", "bone marrow aspiration", "magnetic resonance imaging", "lumbar puncture",
         "circumcision", "strabismus surgery", "adenotonsillectomy", "cleft palate repair",
         "intravenous cannulation"]
EXPERIMENTAL = ["heat pain", "cold pressor pain", "electrical hyperalgesia",
                "temporal summation", "conditioned pain modulation", "pressure pain",
                "ischaemic pain", "burn injury hyperalgesia", "offset analgesia",
                "intradermal capsaicin"]
RARE_PAIN = ["erythromelalgia", "refractory cluster headache", "chronic pain after "
             "amputation", "Fabry disease pain", "arachnoiditis", "central pain after "
             "thalamic stroke", "calciphylaxis", "pain in epidermolysis bullosa",
             "pain in Guillain-Barre syndrome", "refractory angina", "Dercum disease",
             "post-mastectomy pain", "neuropathic pain in Parkinson disease",
             "syringomyelia pain", "pain in Ehlers-Danlos syndrome"]
ADVERSE = ["hepatotoxicity", "cystitis", "hallucinations", "hypertensive crisis", "delirium",
           "cholestatic liver injury", "ureteric stricture", "laryngospasm", "nystagmus",
           "mania", "seizure", "bradycardia", "dependence", "sleep paralysis"]
WEEKS = ["4", "6", "8", "12", "16", "24", "52"]
DESIGN_RCT = ["a randomised controlled trial", "a randomised, double-blind trial",
              "a multicentre randomised trial", "a pragmatic randomised trial",
              "a randomised crossover trial", "a pilot randomised trial",
              "a placebo-controlled trial", "a randomised non-inferiority trial"]
DESIGN_OBS = ["a retrospective cohort study", "a prospective cohort study",
              "a population-based study", "a registry study", "a cross-sectional survey",
              "a case-control study", "a multicentre audit", "a nationwide cohort",
              "a secondary analysis of trial data", "a qualitative study"]
STAT_WORDS = ["tertiary", "community", "academic", "rural", "private", "regional",
              "university", "veterans'", "military", "paediatric"]
DEP_MEASURES = ["frontal gamma power", "sleep architecture", "anhedonia", "cognitive function",
                "inflammatory cytokines", "functional connectivity",
                "glutamate levels on spectroscopy"]
BLOCKS = ["interscalene", "femoral", "popliteal", "paravertebral", "erector spinae"]
TAPER_SUPPORT = ["peer support", "mindfulness", "pharmacist-led review", "buprenorphine rotation",
                 "a digital programme"]
TRIAL_COUNTS = ["three", "four", "five", "six"]
SEARCH_YEARS = ["2016", "2018", "2020", "2022", "2023"]
DEPENDENCE_HARMS = ["depression", "memory loss", "psychosis", "suicidality", "sleep"]
REGIONS = ["European", "Asian", "Australian", "North American"]
ACRONYM_ENDS = ["-K", "KET", "-PAIN", "-ESK"]
MESH = {
    "dep": ["Humans", "Ketamine/therapeutic use", "Depressive Disorder, Treatment-Resistant/"
            "drug therapy", "Antidepressive Agents/therapeutic use", "Adult"],
    "periop": ["Humans", "Ketamine/administration & dosage", "Pain, Postoperative/drug therapy",
               "Analgesics, Opioid/therapeutic use", "Anesthesia, General"],
    "ed": ["Humans", "Ketamine/administration & dosage", "Emergency Service, Hospital",
           "Conscious Sedation", "Hypnotics and Sedatives"],
    "opioid": ["Humans", "Analgesics, Opioid/therapeutic use", "Chronic Pain/drug therapy",
               "Adult", "Treatment Outcome"],
    "otherdrug": ["Humans", "Analgesics/therapeutic use", "Chronic Pain/drug therapy", "Adult",
                  "Neuralgia/drug therapy"],
    "animal": ["Animals", "Ketamine/pharmacology", "Hyperalgesia/drug therapy", "Rats",
               "Disease Models, Animal", "Male"],
    "cohort": ["Humans", "Ketamine/administration & dosage", "Chronic Pain/drug therapy",
               "Retrospective Studies", "Treatment Outcome"],
    "review": ["Humans", "Ketamine/therapeutic use", "Pain/drug therapy",
               "Excitatory Amino Acid Antagonists/therapeutic use"],
    "cancer": ["Humans", "Ketamine/therapeutic use", "Cancer Pain/drug therapy",
               "Palliative Care", "Neoplasms/complications"],
    "paeds": ["Humans", "Child", "Ketamine/administration & dosage", "Anesthesia, Dissociative"],
    "misuse": ["Humans", "Ketamine/adverse effects", "Substance-Related Disorders",
               "Illicit Drugs"],
    "case": ["Humans", "Ketamine/therapeutic use", "Case Reports", "Pain, Intractable"],
    "route": ["Humans", "Ketamine/administration & dosage", "Chronic Pain/drug therapy",
              "Administration, Oral", "Administration, Intranasal"],
    "volunteers": ["Humans", "Healthy Volunteers", "Ketamine/pharmacology", "Pain Threshold",
                   "Hyperalgesia"],
    "protocol": ["Humans", "Ketamine/therapeutic use", "Randomized Controlled Trials as Topic",
                 "Research Design"],
    "notice": ["Humans", "Ketamine/therapeutic use", "Chronic Pain/drug therapy"],
}
EMTREE = {
    "dep": ["ketamine", "esketamine", "treatment resistant depression", "human", "adult",
            "antidepressant activity"],
    "periop": ["ketamine", "postoperative pain", "human", "opiate", "analgesia"],
    "ed": ["ketamine", "emergency ward", "procedural sedation", "human"],
    "opioid": ["opiate", "chronic pain", "human", "drug efficacy", "adult"],
    "otherdrug": ["chronic pain", "analgesic agent", "human", "neuropathic pain", "adult"],
    "animal": ["ketamine", "nonhuman", "animal experiment", "animal model", "rat",
               "mechanical allodynia"],
    "cohort": ["ketamine", "chronic pain", "human", "cohort analysis", "retrospective study"],
    "review": ["ketamine", "human", "review", "chronic pain", "n methyl dextro aspartic acid "
               "receptor blocking agent"],
    "cancer": ["ketamine", "cancer pain", "palliative therapy", "human"],
    "paeds": ["ketamine", "child", "human", "sedation"],
    "misuse": ["ketamine", "drug abuse", "human", "ketamine uropathy"],
    "case": ["ketamine", "case report", "human", "intractable pain"],
    "route": ["ketamine", "oral drug administration", "chronic pain", "human"],
    "volunteers": ["ketamine", "normal human", "experimental pain", "human"],
    "protocol": ["ketamine", "randomized controlled trial (topic)", "human", "study design"],
    "notice": ["ketamine", "chronic pain", "human", "letter"],
}
FAMILY = {  # family: (count, journal groups, reason, conference allowed)
    "dep": (93, ["psychiatry", "general"], "wrong_population", "psychiatry"),
    "periop": (105, ["anaesthesia", "pain", "general"], "wrong_population", "anaesthesia"),
    "ed": (45, ["emergency", "anaesthesia"], "wrong_population", "emergency"),
    "opioid": (55, ["pain", "general"], "wrong_intervention", "pain"),
    "otherdrug": (55, ["pain", "neurology", "general"], "wrong_intervention", "pain"),
    "animal": (74, ["basic", "pain"], "wrong_population", "pain"),
    "cohort": (35, ["pain", "anaesthesia"], "wrong_design", "pain"),
    "review": (60, ["pain", "anaesthesia", "psychiatry", "general"], "wrong_design", None),
    "cancer": (22, ["palliative"], "wrong_population", "pain"),
    "paeds": (18, ["paediatrics", "emergency"], "wrong_population", "anaesthesia"),
    "misuse": (30, ["addiction"], "wrong_population", "addiction"),
    "case": (30, ["pain", "anaesthesia", "general"], "wrong_design", "pain"),
    "route": (14, ["pain", "palliative"], "wrong_intervention", "pain"),
    "volunteers": (20, ["anaesthesia", "basic", "pain"], "wrong_population", "anaesthesia"),
    "protocol": (8, ["general"], "wrong_design", None),
    "notice": (5, ["pain", "anaesthesia"], "wrong_design", None),
}


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def family_record(b: Builder, family: str) -> tuple[str, str, str, list[str]]:
    """(title, abstract, design, publication types) of one record of ``family``."""
    r = b.rng
    c = r.choice
    n = r.randrange(*{"route": (12, 61), "dep": (20, 240), "cancer": (16, 120),
                      "paeds": (40, 300), "cohort": (40, 900), "misuse": (60, 2400),
                      "protocol": (60, 400)}.get(family, (24, 420)))
    weeks = c(WEEKS)
    if family == "dep":
        drug, pop = c(DEP_DRUG), c(DEP_POP)
        title = c([
            f"{cap(drug)} for {pop}: {c(DESIGN_RCT)}",
            f"Rapid antidepressant effects of {drug} in {pop}",
            f"Repeated {drug} in {pop}: response and remission over {weeks} weeks",
            f"Predictors of response to {drug} in {pop}: {c(DESIGN_OBS)}",
            f"{cap(drug)} and suicidal thoughts in {pop}",
            f"Effect of {drug} on {c(DEP_MEASURES)} in {pop}",
            f"Dissociative symptoms during {drug} treatment for {pop}",
            f"Real-world outcomes of {drug} in a {c(STAT_WORDS)} service for {pop}",
            f"{cap(drug)} versus electroconvulsive therapy for {pop}: a non-inferiority trial",
            f"Maintenance {drug} after initial response in {pop}: relapse over {weeks} weeks",
            f"Blood pressure changes during {drug} sessions in {pop}",
        ])
        design = "rct" if ("trial" in title or "versus" in title) else c(["rct", "cohort"])
        abstract = _abstract(
            f"{cap(pop)} often fails to respond to monoaminergic antidepressants, and "
            "glutamatergic drugs act within hours.",
            f"We enrolled {n} patients with {pop} who received {drug}. Depression was rated "
            "on the Montgomery-Asberg Depression Rating Scale at baseline, 24 h and week "
            f"{weeks}.",
            f"Response rates were {r.randrange(25, 65)}% at 24 h and {r.randrange(15, 50)}% at "
            f"week {weeks}. Dissociation peaked at 40 minutes and resolved within 2 h.",
            f"{cap(drug)} had rapid but often transient antidepressant effects in {pop}.")
    elif family == "periop":
        surgery = c(SURGERY)
        dose = c(["low-dose ketamine", "a ketamine bolus of 0.15 mg/kg", "ketamine 0.3 mg/kg",
                  "esketamine 0.25 mg/kg", "a subanaesthetic ketamine infusion",
                  "intraoperative esketamine", "ketamine 1 microgram/kg/min"])
        other = c(["morphine patient-controlled analgesia", "dexmedetomidine", "magnesium",
                   "paracetamol and ibuprofen", "lidocaine infusion", "fentanyl",
                   "sufentanil", "a transversus abdominis plane block", "gabapentin",
                   "dexamethasone"])
        title = c([
            f"Intraoperative ketamine infusion and opioid consumption after {surgery}: "
            f"{c(DESIGN_RCT)}",
            f"Effect of {dose} on postoperative pain after {surgery}",
            f"{cap(dose)} added to {other} for {surgery}: a randomised comparison",
            f"Does perioperative ketamine prevent persistent pain after {surgery}? A "
            f"randomised trial with {c(['3', '6', '12'])}-month follow-up",
            f"Postoperative delirium and ketamine in older adults undergoing {surgery}",
            f"Ketamine for rebound pain after {c(BLOCKS)} block in {surgery}",
            f"Opioid-free anaesthesia with ketamine and {other} for {surgery}",
            f"Ketamine wound infiltration versus {other} after {surgery}",
            f"Quality of recovery after {surgery} with or without {dose}",
            f"{cap(dose)} and postoperative sleep quality after {surgery}",
        ])
        design = "rct" if "Postoperative delirium" not in title else "cohort"
        abstract = _abstract(
            f"Pain after {surgery} is often severe and opioids cause adverse effects.",
            f"We randomised {n} adults scheduled for {surgery} to {dose} or saline, in "
            f"addition to {other}. Opioid consumption over 24 h and pain scores at rest and "
            "on movement were recorded.",
            f"Cumulative morphine equivalents were {r.randrange(10, 40)}% lower with "
            "ketamine; pain scores differed by less than 1 point. Hallucinations were rare.",
            f"Ketamine modestly reduced opioid use after {surgery}.")
    elif family == "ed":
        pop, comp = c(ED_POP), c(SEDATION_COMPARATOR)
        title = c([
            f"Ketamine versus {comp} for procedural sedation in {pop}: {c(DESIGN_RCT)}",
            f"Ketamine for rapid sequence intubation in {pop}",
            f"Intramuscular ketamine for agitation in {pop}: {c(DESIGN_OBS)}",
            f"Prehospital ketamine analgesia for {pop} by paramedics",
            f"Low-dose ketamine versus {comp} for acute pain in {pop}",
            f"Adverse events of ketamine sedation in {pop}: {c(DESIGN_OBS)}",
            f"Ketamine as a sedative in mechanically ventilated {pop}",
            f"Nebulised ketamine for {pop} in the emergency department",
        ])
        design = "rct" if "versus" in title else "cohort"
        abstract = _abstract(
            f"Ketamine is widely used in emergency care for {pop}.",
            f"We studied {n} {pop} given ketamine or {comp} in {c(COUNTRIES)}. Outcomes were "
            "sedation quality, time to discharge and airway events.",
            f"Adverse airway events occurred in {r.randrange(1, 12)}% of patients. Recovery "
            "agitation was more common with ketamine.",
            f"Ketamine was effective and generally safe for {pop}.")
    elif family == "opioid":
        drug, drug2 = r.sample(OPIOID, 2)
        cond = c(CHRONIC)
        title = c([
            f"{cap(drug)} for {cond}: a randomised, double-blind, placebo-controlled trial",
            f"Long-term {drug} in {cond}: an open-label extension study",
            f"{cap(drug)} versus {drug2} in {cond}: {c(DESIGN_RCT)}",
            f"Opioid tapering in patients with {cond}: a randomised trial of "
            f"{c(TAPER_SUPPORT)}",
            f"Abuse-deterrent {drug} in {cond}: efficacy and safety over {weeks} weeks",
            f"Switching from {drug} to {drug2} in {cond}",
            f"Opioid-induced hyperalgesia in patients with {cond} taking {drug}",
            f"Prescription of {drug} for {cond} in {c(COUNTRIES)}: {c(DESIGN_OBS)}",
        ])
        design = "rct" if ("trial" in title or "versus" in title) else "cohort"
        abstract = _abstract(
            f"Opioids are prescribed for {cond} despite uncertain long-term benefit.",
            f"{n} adults with {cond} took {drug} for {weeks} weeks. Pain intensity, physical "
            "function and adverse events were assessed.",
            f"Pain fell by {r.randrange(5, 25) / 10:.1f} points on a 0-10 scale; "
            f"constipation and nausea led {r.randrange(5, 30)}% of participants to stop.",
            f"{cap(drug)} gave modest pain relief in {cond} at the cost of adverse effects.")
    elif family == "otherdrug":
        drug, drug2 = r.sample(OTHER_DRUG, 2)
        cond = c(CHRONIC)
        title = c([
            f"{cap(drug)} for {cond}: a randomised, double-blind, placebo-controlled trial",
            f"{cap(drug)} versus {drug2} in {cond}: a randomised crossover trial",
            f"Efficacy and safety of {drug} in {cond} over {weeks} weeks",
            f"{cap(drug)} as add-on therapy in {cond}: {c(DESIGN_RCT)}",
            f"Responders to {drug} in {cond}: a pooled analysis of {c(TRIAL_COUNTS)} trials",
            f"Sensory phenotypes and response to {drug} in {cond}",
            f"Combination of {drug} and {drug2} for {cond}",
        ])
        design = "rct"
        abstract = _abstract(
            f"Few drugs relieve {cond} for most patients.",
            f"{n} patients with {cond} were assigned to {drug} or a comparator for {weeks} "
            "weeks. The primary outcome was the change in average daily pain.",
            f"The mean difference in pain was {r.randrange(2, 14) / 10:.1f} points; "
            f"{r.randrange(10, 45)}% of patients reached 30% pain relief.",
            f"{cap(drug)} may help a minority of patients with {cond}.")
    elif family == "animal":
        model, mech = c(ANIMAL_MODEL), c(MECHANISM)
        species = c(["rats", "mice", "male rats", "female mice", "Sprague-Dawley rats",
                     "C57BL/6 mice"])
        title = c([
            f"Ketamine reverses mechanical allodynia after {model} in {species} through {mech}",
            f"{cap(mech)} mediates the analgesic effect of ketamine in {species} with {model}",
            f"Sex differences in ketamine analgesia after {model}",
            f"Repeated ketamine and pain-related anxiety in {species} with {model}",
            f"(R)-ketamine attenuates pain after {model} in {species}",
            f"Esketamine alleviates depression-like behaviour after {model} via {mech}",
            f"Intrathecal ketamine and {mech} in {species} with {model}",
            f"Hydroxynorketamine relieves pain after {model} in {species}",
            f"Ketamine normalises {mech} after {model}",
        ])
        design = "animal"
        abstract = (
            f"Ketamine relieves chronic pain in patients, but how it acts is unclear. We "
            f"studied {species} with {model}. Ketamine ({c(['5', '10', '15', '20', '30'])} "
            "mg/kg, intraperitoneal) reversed mechanical allodynia for up to "
            f"{c(['24 h', '3 days', '7 days', '2 weeks'])}, and {mech} was altered after "
            f"{model}. Blocking {mech} abolished the effect of ketamine. These findings "
            "suggest a mechanism for the lasting analgesic effect of ketamine.")
    elif family == "cohort":
        cond = c(CHRONIC)
        title = c([
            f"Intravenous ketamine infusions for {cond}: a retrospective cohort of {n} patients",
            f"Long-term outcomes after outpatient ketamine infusion therapy for {cond}",
            f"Predictors of response to ketamine infusion in {cond}: {c(DESIGN_OBS)}",
            f"Ketamine infusion practices in {c(COUNTRIES)}: a national survey of pain clinics",
            f"Opioid use after ketamine infusion therapy for {cond}",
            f"Liver injury during repeated ketamine infusions for {cond}",
            f"Patient-reported outcomes of ketamine infusion therapy in {cond}: a prospective "
            "registry",
            f"Cost of ketamine infusion services for {cond} in {c(COUNTRIES)}",
        ])
        design = "cohort"
        abstract = _abstract(
            f"Ketamine infusions are offered for {cond} outside trials.",
            f"We reviewed {n} patients with {cond} treated with intravenous ketamine at "
            f"{c(STAT_WORDS)} pain clinics. There was no control group.",
            f"Pain scores fell by at least 30% in {r.randrange(20, 60)}% of patients; "
            f"{r.randrange(2, 15)}% stopped because of adverse effects.",
            "Controlled trials are needed before routine use.")
    elif family == "review":
        psychiatric = r.random() < 0.3
        topic = c(DEP_POP) if psychiatric else c([
            c(CHRONIC), f"pain after {c(SURGERY)}", c(CANCER_PAIN),
            "acute pain in the emergency department", "chronic pain"])
        templates = [
            f"Ketamine for {topic}: a systematic review and meta-analysis",
            f"Consensus guidelines on intravenous ketamine for {topic}",
            f"Safety of repeated ketamine exposure in {topic}: a scoping review",
            f"Trial sequential analysis of ketamine for {topic}",
            f"Glutamatergic drugs for {topic}: an umbrella review",
        ]
        if psychiatric:
            templates += [f"Esketamine for {topic}: a meta-analysis of randomised trials",
                          f"Ketamine and {topic}: a narrative review of mechanisms"]
        else:
            templates += [
                f"NMDA receptor antagonists for {topic}: an updated systematic review",
                f"Ketamine in the management of {topic}: a narrative review",
                f"Mechanisms of ketamine analgesia in {topic}: a review",
                f"Perioperative ketamine and {topic}: a network meta-analysis"
                if topic.startswith("pain after") else
                f"Ketamine infusion protocols for {topic}: a systematic review"]
        title = c(templates)
        design = "review"
        abstract = _abstract(
            f"Evidence on ketamine for {topic} is scattered.",
            f"We searched MEDLINE, Embase and CENTRAL to {c(SEARCH_YEARS)} "
            f"and included {r.randrange(6, 60)} studies.",
            "Effects were small, heterogeneous and based on studies at high risk of bias.",
            f"The evidence for ketamine in {topic} is of low certainty.")
    elif family == "cancer":
        pain = c(CANCER_PAIN)
        title = c([
            f"Ketamine as an adjuvant to opioids for {pain}: {c(DESIGN_RCT)}",
            f"Oral ketamine for {pain} in palliative care",
            f"Burst ketamine for {pain}: {c(DESIGN_OBS)}",
            f"Subcutaneous ketamine for {pain} in hospice patients",
            f"Ketamine and methadone rotation for {pain}",
        ])
        design = "rct" if "trial" in title else "cohort"
        abstract = _abstract(
            f"Patients with {pain} often need adjuvants to opioids.",
            f"We studied {n} patients with {pain} who received ketamine.",
            f"Pain improved in {r.randrange(20, 70)}% of patients; sedation and "
            "hallucinations limited the dose.",
            f"Ketamine may help some patients with {pain}.")
    elif family == "paeds":
        proc = c(PAEDS)
        title = c([
            f"Ketamine for {proc} in children: {c(DESIGN_RCT)}",
            f"Intranasal ketamine versus {c(SEDATION_COMPARATOR)} for {proc} in children",
            f"Ketamine premedication before {proc} in preschool children",
            f"Emergence delirium after ketamine for {proc} in children",
        ])
        design = "rct" if ("trial" in title or "versus" in title) else "cohort"
        abstract = _abstract(
            f"Children undergoing {proc} need effective sedation and analgesia.",
            f"{n} children aged 1-12 years were given ketamine for {proc}.",
            f"Sedation was adequate in {r.randrange(70, 98)}%; vomiting occurred in "
            f"{r.randrange(2, 15)}%.",
            f"Ketamine is effective for {proc} in children.")
    elif family == "misuse":
        where, who = c(COUNTRIES), c(["university students", "festival attendees",
                                       "nightclub patrons", "young adults", "people who inject "
                                       "drugs", "men who have sex with men", "adolescents",
                                       "psychiatric inpatients", "prisoners", "sex workers"])
        harm = c(["cystitis", "upper urinary tract damage", "biliary dilatation",
                  "bladder dysfunction", "hydronephrosis", "renal impairment",
                  "abdominal pain ('K-cramps')", "cholangiopathy"])
        title = c([
            f"Ketamine-associated {harm} in recreational users: {c(DESIGN_OBS)}",
            f"Recreational ketamine use among {who} in {where}",
            f"Trends in ketamine poisoning reported to poison centres in {where}, "
            f"{r.randrange(2000, 2012)}-{r.randrange(2013, 2024)}",
            f"Cognitive function in frequent ketamine users: {c(DESIGN_OBS)}",
            f"Ketamine dependence and {c(DEPENDENCE_HARMS)} among {who}",
            f"Diversion of ketamine from {c(['veterinary', 'hospital', 'clinic', 'online'])} "
            f"sources in {where}",
            f"Surgical management of end-stage {harm} after ketamine misuse",
            f"Wastewater analysis of ketamine consumption in {c(REGIONS)} cities",
            f"Treatment seeking for ketamine use disorder in {where}: {c(DESIGN_OBS)}",
            f"Drug-facilitated sexual assault and ketamine: toxicology findings in {where}",
            f"Ketamine-related deaths in {where}: a coroners' case review",
            f"Pentosan and hyaluronic acid for ketamine-induced {harm}",
            f"Abstinence and recovery of {harm} in former ketamine users",
        ])
        design = "cohort"
        abstract = _abstract(
            "Ketamine is misused as a recreational drug.",
            f"We studied {n} people who used ketamine in {where}.",
            f"Harms were reported by {r.randrange(10, 60)}% and increased with frequency of "
            "use.",
            "Recreational ketamine use carries urological and cognitive harms.")
    elif family == "case":
        age, sex = r.randrange(19, 86), c(["woman", "man"])
        title = c([
            f"{cap(c(['intravenous', 'oral', 'intranasal', 'subcutaneous']))} ketamine for "
            f"{c(RARE_PAIN)} in a {age}-year-old {sex}: a case report",
            f"Ketamine-induced {c(ADVERSE)} during treatment of {c(CHRONIC)}: a case report",
            f"Successful treatment of {c(RARE_PAIN)} with ketamine: a case series of "
            f"{r.randrange(3, 12)} patients",
            f"Prolonged {c(ADVERSE)} after a ketamine infusion for {c(RARE_PAIN)}",
        ])
        design = "case"
        abstract = (
            f"We describe a {age}-year-old {sex} with refractory pain treated with ketamine. "
            "Conventional analgesics had failed. Pain fell substantially over the following "
            f"weeks, and {c(ADVERSE)} was {c(['absent', 'managed conservatively', 'reversible'])}. "
            "Ketamine may be considered in selected patients after specialist assessment.")
    elif family == "route":
        cond = c(CHRONIC)
        title = c([
            f"Oral ketamine for {cond}: {c(DESIGN_RCT)}",
            f"Topical ketamine-amitriptyline cream for {cond}",
            f"Sublingual ketamine lozenges for {cond}: an open-label pilot",
            f"Intranasal ketamine for breakthrough pain in {cond}",
            f"Transdermal ketamine for {cond}: {c(DESIGN_RCT)}",
        ])
        design = "rct" if "trial" in title else "cohort"
        abstract = _abstract(
            f"Non-parenteral ketamine could allow home treatment of {cond}.",
            f"{n} patients with {cond} used ketamine for {weeks} weeks.",
            f"Pain fell by {r.randrange(5, 20) / 10:.1f} points; drowsiness was common.",
            "Non-parenteral ketamine needs further study.")
    elif family == "volunteers":
        model = c(EXPERIMENTAL)
        title = c([
            f"Effect of ketamine on {model} in healthy volunteers: {c(DESIGN_RCT)}",
            f"Functional MRI of ketamine and {model} in healthy volunteers",
            f"Pharmacokinetics of {c(['oral', 'intranasal', 'sublingual', 'intramuscular'])} "
            f"ketamine and {model} in healthy volunteers",
            f"Ketamine, {model} and sex hormones in healthy {c(['women', 'men'])}",
            f"Norketamine concentrations and {model} after a ketamine infusion",
            f"Ketamine and {c(['remifentanil', 'morphine', 'naloxone', 'propofol', 'clonidine'])} "
            f"interactions in {model}: a volunteer study",
            f"EEG signatures of ketamine analgesia during {model}",
            f"Does S-ketamine differ from racemic ketamine in {model}? A volunteer study",
            f"Placebo responses in {model} after ketamine in {c(['young', 'older'])} volunteers",
        ])
        design = "rct" if "trial" in title else "cohort"
        abstract = _abstract(
            f"Experimental models such as {model} help to explain ketamine analgesia.",
            f"{r.randrange(12, 40)} healthy volunteers received ketamine and placebo in random "
            "order.",
            f"Ketamine changed {model} in a dose-dependent manner.",
            "These data inform dosing in patients.")
    elif family == "protocol":
        indication = c(CHRONIC + DEP_POP)
        acronym = "".join(c("ABCDEFGHKLMNPRSTVW") for _ in range(3)) + c(ACRONYM_ENDS)
        title = f"{cap(c(DEP_DRUG))} for {indication}: protocol for {c(DESIGN_RCT)} ({acronym})"
        design = "protocol"
        abstract = _abstract(
            f"Better treatments are needed for {indication}.",
            f"This protocol describes a trial that will randomise {n} participants.",
            "Recruitment began in the year of publication.",
            "Results will be reported in a peer-reviewed journal.")
    elif family == "notice":
        cond = c(CHRONIC)
        title = c([
            f"Ketamine infusions for {cond}: where is the evidence?",
            f"Ketamine clinics and {cond}: a call for regulation",
            f"Time to stop ketamine infusions for {cond}?",
            f"The ketamine boom and patients with {cond}",
        ])
        design = "letter"
        abstract = ""
    else:  # pragma: no cover
        raise ValueError(family)
    pt = {"rct": ["Journal Article", "Randomized Controlled Trial"],
          "cohort": ["Journal Article", "Observational Study"],
          "review": ["Journal Article", "Review"] + (["Systematic Review", "Meta-Analysis"]
                                                     if "meta-analysis" in title else []),
          "animal": ["Journal Article"], "case": ["Case Reports", "Journal Article"],
          "protocol": ["Journal Article", "Clinical Trial Protocol"],
          "letter": ["Letter"]}[design]
    return title, abstract, design, pt


# -- building ---------------------------------------------------------------------------------

def place(b: Builder, rec: Rec, journal: Journal, year: int, n_authors: int,
          first: str | None = None) -> None:
    r = b.rng
    rec.journal, rec.year = journal, year
    rec.month = r.choice(MONTHS)
    rec.authors = b.people(n_authors)
    if first:
        rec.authors[0] = (first, rec.authors[0][1], rec.authors[0][2])
    rec.volume = str(volume_of(journal, year))
    rec.issue = str(r.randrange(1, 13))
    if rec.conference:
        rec.issue = r.choice(["Suppl 1", "4 Supplement", "Supplement 2", "5 Suppl 1"])
        rec.first_page = r.choice(["S", "A", "e"]) + str(r.randrange(10, 400))
        rec.last_page = ""
    elif journal.code in ("pone", "srep", "md", "bmjopen", "trials", "fpsyt", "tp",
                          "bmcanes", "art", "jhp", "painrep", "mpx", "jpr"):
        rec.first_page = "e" + str(r.randrange(10000, 99999)) if journal.code != "jpr" else \
            str(r.randrange(100, 3000))
        rec.last_page = "" if rec.first_page.startswith("e") else str(
            int(rec.first_page) + r.randrange(5, 14))
    else:
        start = r.randrange(1, 2400)
        length = 0 if rec.design == "letter" else (r.randrange(1, 4) if rec.design == "case"
                                                   else r.randrange(6, 14))
        rec.first_page = str(start)
        rec.last_page = str(start + length) if length else ""
    if not rec.conference:
        rec.doi = b.doi_for(journal, year)


def build() -> tuple[list[Rec], dict]:
    b = Builder()
    r = b.rng
    records: list[Rec] = []
    by_key: dict[str, Rec] = {}

    # 1. the records that reach the full text
    for spec in SOUGHT:
        rec = Rec(spec["key"], "sought", spec["title"], _abstract(*spec["abstract"]), "pain",
                  reason="")
        variant = spec.get("variant", "")
        rec.conference = variant == "conference"
        rec.design = "rct"
        rec.pt = list(RCT_PT)
        rec.mesh = list(RCT_MESH)
        rec.emtree = list(RCT_EMTREE)
        if spec["key"] in ("X1", "X3", "X4"):
            rec.pt = ["Journal Article", "Observational Study"]
        if rec.conference:
            rec.m3 = "Conference Abstract"
            rec.emtree = rec.emtree + ["conference abstract"]
        journal = SCHMERZ if spec["journal"] == "Der Schmerz" else _BY_NAME[spec["journal"]]
        place(b, rec, journal, spec["year"], spec["n_authors"], spec["first"])
        rec.where = spec["where"]
        rec.ta = spec["ta"]
        rec.lead = spec.get("lead", ())
        rec.ft = spec["ft"]
        if variant == "translated":
            rec.title_original = spec["title_original"]
            rec.embase_title = spec["embase_title"]
            rec.embase_c5 = False
            rec.exempt = True
        elif variant == "title_case":
            rec.embase_title = spec["embase_title"]
            rec.embase_c5 = rec.embase_doi = False
        elif variant == "c5_only":
            rec.embase_doi = False
        elif variant == "doi_only":
            rec.embase_c5 = False
        elif variant == "pubmed_no_doi":
            rec.pubmed_doi = False
        elif variant == "not_medline":
            rec.embase_c5 = False
        if rec.conference:
            pair = by_key[spec["pair"]]
            rec.authors = pair.authors[:len(rec.authors)]
            rec.embase_c5 = False
            rec.exempt = True
        if not rec.exempt:
            assert b.distinct(rec.title), rec.title
        b.keep_title(rec.title)
        records.append(rec)
        by_key[rec.key] = rec

    # 2. the records excluded on title and abstract, by family
    generated: list[Rec] = []
    for family, (count, groups, reason, _conf) in FAMILY.items():
        made = 0
        tries = 0
        while made < count:
            tries += 1
            if tries > count * 200:
                raise RuntimeError(f"{family}: cannot find {count} distinct titles ({made})")
            title, abstract, design, pt = family_record(b, family)
            if not b.distinct(title):
                continue
            b.keep_title(title)
            made += 1
            rec = Rec(f"{family}{made:03d}", family, title, abstract, r.choice(groups),
                      design=design, pt=pt, mesh=list(MESH[family]),
                      emtree=list(EMTREE[family]), reason=reason)
            if design == "review":
                rec.m3 = "Review"
            elif design == "letter":
                rec.m3 = "Letter"
            generated.append(rec)

    # 3. who holds what: conference abstracts and Embase-only journals first
    r.shuffle(generated)
    allowed = [rec for rec in generated
               if FAMILY[rec.family][3] and rec.design not in ("protocol", "letter", "review")]
    specials = {}
    # a conference abstract of a later esketamine article (the article: PubMed only), and of
    # a later animal study (the article: Embase only); an erratum of a depression trial.
    dep_rcts = [x for x in allowed if x.family == "dep" and x.design == "rct"]
    animal = [x for x in allowed if x.family == "animal"]
    specials["C2_article"], specials["C3_article"] = dep_rcts[0], animal[0]
    conference = [x for x in allowed if x not in specials.values()][: N_CONFERENCE - 2]
    for rec in conference:
        rec.conference = True
    rest = [x for x in generated if not x.conference]
    not_medline = [x for x in rest if x.design not in ("letter",)
                   and x not in specials.values()][:N_EMBASE_NOT_MEDLINE]
    for rec in not_medline:
        rec.journal_group = "embase_only"
    sought_where = {w: sum(1 for x in records if x.where == w) for w in ("both", "pubmed",
                                                                          "embase")}
    # specials add 3 records (2 conference abstracts and an erratum): Embase 2, PubMed 1
    need_both = N_BOTH - sought_where["both"]
    need_pubmed = N_PUBMED_ONLY - sought_where["pubmed"] - 1
    need_embase = N_EMBASE_ONLY - sought_where["embase"] - 2
    for rec in conference + not_medline:
        rec.where = "embase"
    specials["C2_article"].where = "pubmed"
    specials["C3_article"].where = "embase"
    open_ = [x for x in rest if not x.where]
    n_embase_left = need_embase - len(conference) - len(not_medline) - 1
    need_pubmed -= 1
    assert len(open_) == need_both + need_pubmed + n_embase_left, (
        len(open_), need_both, need_pubmed, n_embase_left)
    for i, rec in enumerate(open_):
        rec.where = ("both" if i < need_both else
                     "pubmed" if i < need_both + need_pubmed else "embase")
    # variants among the generated duplicates
    both = [x for x in open_ if x.where == "both"]
    for rec in both[:4]:
        rec.embase_c5 = False  # same DOI only
    for rec in both[4:7]:
        rec.embase_doi = False  # same PMID only
    for rec in both[7:9]:
        rec.embase_c5 = rec.embase_doi = False  # title in other punctuation and case
        rec.embase_title = _recase(rec.title)
    for rec in both[9:10]:
        rec.pubmed_doi = False  # PubMed lacks the DOI: the Embase record is kept
    for rec in both[10:16]:
        rec.embase_doi = "upper"  # the DOI in capitals
    for rec in [x for x in open_ if x.where == "embase"][: len(open_) // 5]:
        rec.embase_c5 = False

    # place every generated record
    for rec in generated:
        year = r.choice(range(2008, 2025)) if rec.family not in ("dep",) else r.choice(
            range(2014, 2025))
        if rec.conference:
            year = r.choice(range(2015, 2025))
            names = CONFERENCE_JOURNALS[FAMILY[rec.family][3]]
            journal = _BY_NAME[r.choice(names)]
            rec.m3 = "Conference Abstract"
            rec.emtree = rec.emtree + ["conference abstract"]
        else:
            journal = r.choice(JOURNALS[rec.journal_group])
        n_auth = {"case": r.randrange(1, 5), "letter": r.randrange(1, 3),
                  "review": r.randrange(2, 6)}.get(rec.design, r.randrange(3, 9))
        if rec.conference:
            n_auth = r.randrange(2, 6)
        place(b, rec, journal, year, n_auth)
        if rec.journal_group == "embase_only" or rec.conference:
            rec.embase_c5 = False

    # the special pairs (conference abstract and later article; erratum)
    extra = []
    for label, article in (("C2", specials["C2_article"]), ("C3", specials["C3_article"])):
        abstract_rec = Rec(f"{label}_conf", article.family,
                           _conference_title(article.title), article.abstract,
                           article.journal_group, design=article.design, pt=[],
                           m3="Conference Abstract", mesh=[],
                           emtree=article.emtree + ["conference abstract"],
                           reason=article.reason, conference=True, exempt=True)
        names = CONFERENCE_JOURNALS[FAMILY[article.family][3]]
        place(b, abstract_rec, _BY_NAME[names[0]], article.year - 1, 3)
        abstract_rec.authors = article.authors[:3]
        abstract_rec.where = "embase"
        abstract_rec.embase_c5 = False
        extra.append(abstract_rec)
    trial = specials["C2_article"]
    erratum = Rec("E1", trial.family, f"Erratum: {trial.title}", "", trial.journal_group,
                  design="erratum", pt=["Published Erratum"], m3="Erratum",
                  mesh=[], emtree=[], reason="wrong_design", exempt=True)
    place(b, erratum, trial.journal, trial.year, 1)
    erratum.volume = trial.volume
    erratum.issue = str(int(trial.issue) + 2) if trial.issue.isdigit() else trial.issue
    prefix = "e" if trial.first_page.startswith("e") else ""
    erratum.first_page = prefix + str(int(re.sub(r"\D", "", trial.first_page) or 1) + 900)
    erratum.last_page = ""
    erratum.authors = []
    erratum.where = "pubmed"
    erratum.erratum_for = trial.key
    extra.append(erratum)

    everything = records + generated + extra
    # identifiers
    for rec in everything:
        medline = rec.journal.medline and not rec.conference
        if rec.where in ("both", "pubmed") or (rec.where == "embase" and rec.embase_c5
                                               and medline):
            rec.pmid = b.pmid_for(rec.year)
        if rec.where in ("both", "embase"):
            rec.embase_id = b.embase_for(rec.year)
        if rec.where == "embase" and not medline:
            rec.embase_c5 = False
    return everything, {"specials": specials, "erratum": erratum, "extra": extra,
                        "by_key": by_key}


def _recase(title: str) -> str:
    """The same title as another database may print it: Title Case, " -" for the colon, no
    commas, and the first hyphen of the main title dropped ("Low-dose" -> "Low dose")."""
    words = title.replace(":", " -").replace(",", "").split(" ")
    small = {"a", "an", "the", "of", "in", "for", "and", "or", "with", "to", "on", "after",
             "by", "at", "from", "versus", "via"}
    text = " ".join(w if (w.lower() in small and i) else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))
    if "-" in title.split(":")[0]:
        text = text.replace("-", " ", 1)
    return text


def _conference_title(title: str) -> str:
    """The title of a conference abstract of the article titled ``title``: close to it."""
    head = title.split(":")[0]
    for candidate in (f"{head}: preliminary results", f"{title}: an interim analysis"):
        ratio = difflib.SequenceMatcher(None, Builder.norm(candidate), Builder.norm(title),
                                        autojunk=False).ratio()
        if ratio >= 0.88:
            return candidate
    return title


# -- writing the exports ----------------------------------------------------------------------

def _wrap(tag: str, text: str) -> list[str]:
    """A MEDLINE field: the tag padded to four characters, lines of at most 80, continuation
    lines indented by six spaces."""
    prefix = f"{tag:<4}- "
    lines = []
    width = 80 - len(prefix)
    words = text.split(" ")
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [prefix + lines[0]] + ["      " + line for line in lines[1:]]


def _medline_pages(first: str, last: str) -> str:
    if not last:
        return first
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i] and len(first) == len(last):
        i += 1
    return f"{first}-{last[i:]}" if len(first) == len(last) else f"{first}-{last}"


def _address(rec: Rec, index: int) -> str:
    name, city, country = PLACES[(sum(map(ord, rec.key)) + index) % len(PLACES)]
    if rec.journal.language == "ger":
        name, city, country = "Linden Park Hospital", "Freiburg", "Germany"
    elif rec.journal.code == "eja-eg":
        name, city, country = "Old Mill Teaching Hospital", "Cairo", "Egypt"
    dept = DEPARTMENTS.get(rec.journal_group, "Department of Anaesthesiology")
    return f"{dept}, {name}, {city}, {country}."


def medline_text(rec: Rec, notice: bool = False) -> str:
    j = rec.journal
    lines = [f"PMID- {rec.pmid}", "OWN - NLM",
             "STAT- MEDLINE" if rec.design != "erratum" else "STAT- PubMed-not-MEDLINE"]
    month_number = MONTHS.index(rec.month) + 1
    lines.append(f"DCOM- {rec.year}{month_number:02d}{(int(rec.pmid) % 27) + 1:02d}")
    lines.append(f"VI  - {rec.volume}")
    if rec.issue:
        lines.append(f"IP  - {rec.issue}")
    lines.append(f"DP  - {rec.year} {rec.month}")
    title = rec.title  # a translated title is in brackets already
    lines += _wrap("TI", title + ("" if title.endswith((".", "?", "]")) else ".")
                   if not title.endswith("]") else title + ".")
    lines.append(f"PG  - {_medline_pages(rec.first_page, rec.last_page)}")
    if rec.pubmed_doi and rec.doi:
        lines.append(f"LID - {rec.doi} [doi]")
    abstract = rec.abstract
    if notice:
        abstract = f"{NOTICE} {abstract}".strip()
    if abstract:
        lines += _wrap("AB", abstract)
    for i, (family, given, initials) in enumerate(rec.authors):
        lines.append(f"FAU - {family}, {given}")
        lines.append(f"AU  - {family} {initials}")
        if i == 0:
            lines += _wrap("AD", _address(rec, i))
    lines.append(f"LA  - {j.language}")
    for pt in rec.pt:
        lines.append(f"PT  - {pt}")
    if rec.title_original:  # PubMed writes the original title without diacritics
        plain = unicodedata.normalize("NFKD", rec.title_original).encode("ascii", "ignore")
        lines += _wrap("TT", plain.decode("ascii") + ".")
    lines.append(f"PL  - {'Germany' if j.language == 'ger' else 'United States'}")
    lines.append(f"TA  - {j.abbrev}")
    lines.append(f"JT  - {j.name}")
    lines.append("SB  - IM")
    if rec.erratum_for:
        lines.append(f"EFR - {rec.erratum_cite}")
    if rec.comment_on:
        lines.append(f"CON - {rec.comment_on}")
    for term in rec.mesh:
        lines.append(f"MH  - {term}")
    edat = f"{rec.year}/{month_number:02d}/{(int(rec.pmid) % 27) + 1:02d}"
    lines.append(f"EDAT- {edat} 06:00")
    lines.append(f"MHDA- {edat} 06:01")
    if rec.pubmed_doi and rec.doi:
        lines.append(f"AID - {rec.doi} [doi]")
    lines.append("PST - ppublish")
    pages = _medline_pages(rec.first_page, rec.last_page)
    issue = f"({rec.issue})" if rec.issue else ""
    doi = f" doi: {rec.doi}." if rec.pubmed_doi and rec.doi else ""
    lines += _wrap("SO", f"{j.abbrev}. {rec.year} {rec.month};{rec.volume}{issue}:{pages}.{doi}")
    return "\n".join(lines) + "\n"


def _ris_authors(rec: Rec) -> list[str]:
    out = []
    for family, given, _ in rec.authors:
        initials = "".join(f"{part[0]}." for part in given.split())
        out.append(f"A1  - {family} {initials}")
    return out


def ris_text(rec: Rec, notice: bool = False) -> str:
    j = rec.journal
    lines = ["TY  - JOUR", f"M3  - {rec.m3}", f"Y1  - {rec.year}", f"VL  - {rec.volume}"]
    if rec.issue:
        lines.append(f"IS  - {rec.issue}")
    lines.append(f"SP  - {rec.first_page}")
    if rec.last_page:
        lines.append(f"EP  - {rec.last_page}")
    lines += [f"JF  - {j.name}", f"JO  - {j.abbrev}", f"U2  - {rec.embase_id}", "DB  - Embase"]
    if rec.embase_c5 and rec.pmid:
        lines += [f"C5  - {rec.pmid}", "DB  - Medline"]
    if rec.embase_doi and rec.doi:
        doi = rec.doi.upper() if rec.embase_doi == "upper" else rec.doi
        lines += [f"L2  - http://dx.doi.org/{doi}", f"DO  - {doi}"]
    lines += _ris_authors(rec)
    title = rec.embase_title or rec.title
    lines.append(f"T1  - {title}")
    if rec.title_original:
        lines.append(f"TT  - {rec.title_original}")
        lines.append("LA  - German")
        lines.append("LA  - English")
    else:
        lines.append("LA  - English")
    for term in rec.emtree:
        lines.append(f"KW  - {term}")
    abstract = rec.abstract.replace("BACKGROUND:", "Background:").replace(
        "METHODS:", "Methods:").replace("RESULTS:", "Results:").replace(
        "CONCLUSIONS:", "Conclusion:")
    if notice:
        abstract = f"{NOTICE} {abstract}".strip()
    if abstract:
        lines.append(f"N2  - {abstract}")
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


# -- screening --------------------------------------------------------------------------------

REVIEWERS = ("ann", "bob")
LEAD = "lea"
N_TA_CONFLICTS_EXCLUDED = 12  # conflicts on records that end excluded on title/abstract


def kept_id(rec: Rec) -> tuple[str, str]:
    """The native id and database of the record litsieve's dedup keeps for ``rec``: the most
    complete one, PubMed's on a tie (imported first)."""
    if rec.where == "pubmed":
        return rec.pmid, "PubMed"
    if rec.where == "embase":
        return rec.embase_id, "Embase"
    pubmed = 1 + bool(rec.pubmed_doi and rec.doi)
    embase = bool(rec.embase_doi and rec.doi) + bool(rec.embase_c5 and rec.pmid)
    return (rec.embase_id, "Embase") if embase > pubmed else (rec.pmid, "PubMed")


def screening_plan(b_rng: random.Random, records: list[Rec]) -> None:
    """Title/abstract votes for the records excluded there, with a few conflicts."""
    excluded = [x for x in records if not x.ta]
    candidates = [x for x in excluded
                  if x.family in ("cohort", "route", "cancer", "volunteers", "review",
                                  "protocol", "periop", "otherdrug") and not x.conference]
    b_rng.shuffle(candidates)
    # the most tempting first: ketamine infusions in chronic pain, by family
    order = {"cohort": 0, "route": 1, "protocol": 2, "otherdrug": 3, "review": 4,
             "cancer": 5, "volunteers": 6, "periop": 7}
    candidates.sort(key=lambda x: order[x.family])
    conflicts: list[Rec] = []
    for rec in candidates:  # at most two of a family
        if [x.family for x in conflicts].count(rec.family) < 2:
            conflicts.append(rec)
        if len(conflicts) == N_TA_CONFLICTS_EXCLUDED:
            break
    notes = {
        "cohort": "resolution: no control group; exclude",
        "route": "resolution: not intravenous; exclude",
        "protocol": "resolution: a protocol without results; exclude",
        "otherdrug": "resolution: not ketamine; exclude",
        "review": "resolution: a review, not a trial; exclude",
        "cancer": "resolution: cancer pain; exclude",
        "volunteers": "resolution: healthy volunteers; exclude",
        "periop": "resolution: acute postoperative pain; exclude",
    }
    for rec in excluded:
        ann_reason = rec.reason
        bob_reason = rec.reason if b_rng.random() < 0.6 else ""
        rec.ta = ("exclude", ann_reason, "exclude", bob_reason)
    for i, rec in enumerate(conflicts):
        dissent = "include" if i % 3 else "maybe"
        if i % 2:
            rec.ta = (dissent, "", "exclude", rec.reason)
        else:
            rec.ta = ("exclude", rec.reason, dissent, "")
        rec.lead = ("exclude", rec.reason, notes[rec.family])


def _times(rng: random.Random, n: int, start: datetime) -> list[datetime]:
    """``n`` vote times in working sessions (about 90 records a morning, weekdays)."""
    out = []
    t = start
    per_session = 0
    for _ in range(n):
        if per_session >= rng.randrange(80, 110):
            day = t.date() + timedelta(days=1)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            t = datetime(day.year, day.month, day.day, 8, rng.randrange(30, 59), 0)
            per_session = 0
        t += timedelta(seconds=rng.randrange(12, 75))
        out.append(t)
        per_session += 1
    return out


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def votes_rows(rng: random.Random, records: list[Rec]) -> list[list[str]]:
    rows = []
    kept = list(records)  # one record per study's record: the one dedup keeps
    # each reviewer screens in the order of the web app's ranked queue: likely includes
    # first, and otherwise in an order of their own
    last_ta: dict[str, datetime] = {}
    for who, start in (("ann", datetime(2024, 3, 4, 8, 40)), ("bob", datetime(2024, 3, 5, 9, 5))):
        order = sorted(kept, key=lambda x: rng.random() - (0.8 if x.ft else 0))
        times = _times(rng, len(order), start)
        for rec, t in zip(order, times, strict=True):
            vote, reason = (rec.ta[0], rec.ta[1]) if who == "ann" else (rec.ta[2], rec.ta[3])
            native, database = kept_id(rec)
            rows.append([native, database, "title_abstract", who, vote, reason, "", _iso(t)])
            last_ta[rec.key] = max(last_ta.get(rec.key, t), t)
    # the lead's resolutions, after both reviewers finished
    end = max(last_ta.values())
    t = datetime(end.year, end.month, end.day, 14, 0) + timedelta(days=1)
    for rec in sorted((x for x in kept if x.lead), key=lambda x: x.key):
        t += timedelta(seconds=rng.randrange(60, 240))
        native, database = kept_id(rec)
        vote, reason, note = rec.lead
        rows.append([native, database, "title_abstract", LEAD, vote, reason, note, _iso(t)])
    # full text: single screening, one reviewer's vote decides
    ft_records = sorted((x for x in kept if x.ft), key=lambda x: x.key)
    times = {"ann": datetime(2024, 4, 8, 9, 0), "bob": datetime(2024, 4, 9, 9, 30)}
    for rec in ft_records:
        who, vote, reason, note = rec.ft
        times[who] += timedelta(minutes=rng.randrange(20, 95))
        if times[who].hour >= 17:
            times[who] = times[who].replace(hour=9) + timedelta(days=1)
            while times[who].weekday() >= 5:
                times[who] += timedelta(days=1)
        native, database = kept_id(rec)
        rows.append([native, database, "full_text", who, vote, reason, note,
                     _iso(times[who])])
    rows.sort(key=lambda row: (row[7], row[3]))
    return rows


# -- extraction -------------------------------------------------------------------------------

# (key of the included record, ketamine arm, control arm, (n, mean, sd) of each arm): pain on
# a 0-10 numeric rating scale at the end of treatment, as the abstracts above report it.
EXTRACTION = [
    ("I1", "ketamine 0.3 mg/kg/h, 5 days", "saline", (30, 4.4, 1.9), (30, 5.8, 2.0)),
    ("I2", "ketamine 0.5 mg/kg", "midazolam 0.05 mg/kg", (21, 5.6, 2.2), (21, 5.8, 2.1)),
    ("I3", "ketamine up to 0.35 mg/kg/h, 10 days", "saline", (24, 3.8, 2.4), (23, 5.9, 2.2)),
    ("I4", "ketamine 0.4 mg/kg, 3 infusions", "saline", (18, 4.9, 2.0), (18, 5.6, 1.8)),
    ("I5", "ketamine 0.25 mg/kg/h, 5 days", "diphenhydramine (active placebo)",
     (20, 5.6, 2.3), (19, 5.3, 2.1)),
    ("I6", "ketamine, 3-day infusion", "lidocaine, 3-day infusion", (32, 4.4, 2.1),
     (33, 5.5, 2.2)),
    ("I7", "ketamine 0.5 mg/kg, single infusion", "saline", (35, 3.9, 1.8), (35, 5.0, 1.9)),
]
EXTRACTION_COLUMNS = ("record_id,study,report,outcome,timepoint,arm,group,subgroup,n,mean,sd,"
                      "se,ci_low,ci_high,ci_level,median,q1,q3,min,max,events,total,estimate,"
                      "estimate_se,estimate_variance,notes").split(",")


def extraction_rows(by_key: dict[str, Rec], record_ids: dict[str, str]) -> list[dict]:
    rows = []
    for key, arm1, arm2, a, c in EXTRACTION:
        rec = by_key[key]
        label = f"{rec.authors[0][0]} {rec.year}"
        pages = f"{rec.first_page}-{rec.last_page}" if rec.last_page else rec.first_page
        report = f"{rec.journal.abbrev} {rec.year};{rec.volume}({rec.issue}):{pages}"
        for arm, group, (n, mean, sd) in ((arm1, "intervention", a), (arm2, "control", c)):
            rows.append(dict(record_id=record_ids[key], study=label, report=report,
                             outcome="pain", timepoint="end of treatment", arm=arm,
                             group=group, n=n, mean=mean, sd=sd,
                             notes="invented numbers for the litsieve demo; pain 0-10 NRS"))
    return rows


# -- main -------------------------------------------------------------------------------------

def main() -> None:
    records, info = build()
    rng = random.Random(SEED + 1)
    screening_plan(rng, records)
    erratum = info["erratum"]
    trial = info["specials"]["C2_article"]
    erratum.erratum_cite = (f"{trial.journal.abbrev}. {trial.year} {trial.month};"
                            f"{trial.volume}({trial.issue}):"
                            f"{_medline_pages(trial.first_page, trial.last_page)}. "
                            f"PMID: {trial.pmid}")

    # PubMed: newest first (by PMID); Embase: by year, newest first, then accession
    pubmed = sorted((x for x in records if x.where in ("both", "pubmed")),
                    key=lambda x: -int(x.pmid))
    embase = sorted((x for x in records if x.where in ("both", "embase")),
                    key=lambda x: (-x.year, x.embase_id))
    # the first record of each file carries the notice; make it one found in that file only
    first_pubmed = next(x for x in pubmed if x.where == "pubmed" and x.abstract)
    pubmed.remove(first_pubmed)
    pubmed.insert(0, first_pubmed)
    first_embase = next(x for x in embase if x.where == "embase" and x.abstract)
    embase.remove(first_embase)
    embase.insert(0, first_embase)

    nbib = "\n".join(medline_text(x, notice=x is first_pubmed) for x in pubmed)
    ris = "\n".join(ris_text(x, notice=x is first_embase) for x in embase)
    (HERE / "pubmed.nbib").write_text(nbib, encoding="utf-8", newline="\n")
    (HERE / "embase.ris").write_text(ris, encoding="utf-8", newline="\n")

    # litsieve's record ids: the first 12 hex digits of the file's sha256, then the
    # record's place in the file
    pubmed_source = hashlib.sha256(nbib.encode("utf-8")).hexdigest()[:12]
    embase_source = hashlib.sha256(ris.encode("utf-8")).hexdigest()[:12]
    record_ids = {}
    for index, rec in enumerate(pubmed, 1):
        record_ids[("PubMed", rec.pmid)] = f"{pubmed_source}:{index}"
    for index, rec in enumerate(embase, 1):
        record_ids[("Embase", rec.embase_id)] = f"{embase_source}:{index}"
    by_key = info["by_key"]
    kept_record_ids = {}
    for key, rec in by_key.items():
        native, database = kept_id(rec)
        kept_record_ids[key] = record_ids[(database, native)]

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["native_id", "database", "stage", "reviewer", "vote", "reason", "note",
                     "time"])
    writer.writerows(votes_rows(rng, records))
    (HERE / "votes.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="\n")

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, EXTRACTION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(extraction_rows(by_key, kept_record_ids))
    (HERE / "extraction.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="\n")

    n_conf = sum(1 for x in records if x.conference)
    print(f"pubmed.nbib: {len(pubmed)} records; embase.ris: {len(embase)} records "
          f"({n_conf} conference abstracts); {len(records)} studies' records in all")


if __name__ == "__main__":
    main()
