"""Writes invented_300.csv: 300 invented records (20 relevant) for ranking tests.

Every title and abstract is made up from the word lists below (no real data). Relevant
records are randomised trials of ketamine for chronic pain; the irrelevant ones share
some of the vocabulary (ketamine in depression or anaesthesia, other drugs for pain,
observational designs) so that ranking is not trivial. Run: python generate.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

RELEVANT = ("intravenous ketamine infusion", "low-dose ketamine", "subanaesthetic ketamine",
            "ketamine infusion therapy", "esketamine infusion")
PAIN = ("chronic neuropathic pain", "fibromyalgia", "complex regional pain syndrome",
        "chronic low back pain", "refractory chronic pain", "phantom limb pain")
DESIGNS = ("a randomised placebo-controlled trial", "a double-blind randomized trial",
           "a randomised crossover trial")
OTHER_DRUGS = ("gabapentin", "pregabalin", "duloxetine", "opioid tapering", "lidocaine patch",
               "acupuncture", "physiotherapy", "cognitive behavioural therapy")
OTHER_TOPICS = ("treatment-resistant depression", "postoperative analgesia in children",
                "procedural sedation in the emergency department", "asthma exacerbations",
                "type 2 diabetes", "hip fracture rehabilitation", "migraine prophylaxis",
                "smoking cessation", "sleep quality in nurses", "hospital readmissions")
OTHER_DESIGNS = ("a retrospective cohort study", "a cross-sectional survey", "a case report",
                 "a narrative review", "a qualitative interview study", "an animal study")
OUTCOMES = ("pain intensity", "opioid consumption", "quality of life", "disability scores",
            "adverse events", "depressive symptoms", "length of stay")


def relevant(rng: random.Random) -> tuple[str, str]:
    drug, pain, design = rng.choice(RELEVANT), rng.choice(PAIN), rng.choice(DESIGNS)
    if rng.random() < 0.2:  # worded without "ketamine": harder to find
        drug = "an NMDA receptor antagonist"
        title = f"NMDA receptor blockade for {pain}: {design}"
        abstract = (f"Adults with {pain} were allocated to {drug} or saline in {design}. "
                    f"We measured {rng.choice(OUTCOMES)} and {rng.choice(OUTCOMES)}.")
        return title, abstract
    title = f"{drug.capitalize()} for {pain}: {design}"
    abstract = (f"We conducted {design} of {drug} in adults with {pain}. "
                f"Patients received {drug} or placebo over {rng.randint(1, 10)} days. "
                f"The primary outcome was {rng.choice(OUTCOMES[:4])} at {rng.randint(2, 12)} "
                f"weeks; secondary outcomes included {rng.choice(OUTCOMES)}. Ketamine reduced "
                f"{rng.choice(OUTCOMES[:3])} compared with placebo in chronic pain.")
    return title, abstract


def irrelevant(rng: random.Random) -> tuple[str, str]:
    kind = rng.random()
    if kind < 0.25:  # ketamine, but not for chronic pain, or not a trial
        topic, design = rng.choice(OTHER_TOPICS[:3]), rng.choice(DESIGNS + OTHER_DESIGNS)
        if rng.random() < 0.4:
            topic, design = rng.choice(PAIN), rng.choice(OTHER_DESIGNS)
        title = f"Ketamine in {topic}: {design}"
        abstract = (f"This is {design} of ketamine for {topic}. We measured "
                    f"{rng.choice(OUTCOMES)} and {rng.choice(OUTCOMES)}.")
    elif kind < 0.5:  # chronic pain, other treatment
        drug, pain = rng.choice(OTHER_DRUGS), rng.choice(PAIN)
        design = rng.choice(DESIGNS + OTHER_DESIGNS)
        title = f"{drug.capitalize()} for {pain}: {design}"
        abstract = (f"We report {design} of {drug} in patients with {pain}. The outcome was "
                    f"{rng.choice(OUTCOMES)} after {rng.randint(4, 52)} weeks.")
    else:  # something else entirely
        topic, design = rng.choice(OTHER_TOPICS[3:]), rng.choice(DESIGNS + OTHER_DESIGNS)
        title = f"{rng.choice(OUTCOMES).capitalize()} in {topic}: {design}"
        abstract = (f"Background: {topic} is common. Methods: {design} with "
                    f"{rng.randint(20, 900)} participants. Results: {rng.choice(OUTCOMES)} "
                    f"improved with {rng.choice(OTHER_DRUGS)}.")
    return title, abstract


def main() -> None:
    rng = random.Random(20240501)
    rows = [(*relevant(rng), 1) for _ in range(20)] + [(*irrelevant(rng), 0) for _ in range(280)]
    rng.shuffle(rows)
    path = Path(__file__).with_name("invented_300.csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "abstract", "label_included"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
