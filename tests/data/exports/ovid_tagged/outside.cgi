Results of your search: budesonide.mp.
Citations (2)

<1. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2012345999
TI  - Cognitive behavioural therapy for insomnia in primary care: a randomised trial.
SO  - British Journal of General Practice. 70 (698) (pp e612-e620), 2020. Date of Publication: September 2020.
IS  - 0960-1643
a stray line after the ISSN
YR  - 2020

<2. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2012346000
TI  - Sleep restriction therapy delivered by nurses.
SO  - Sleep. 43 (3) (no pagination), 2020. Date of Publication: 2020.
YR  - 2020

<3. >

