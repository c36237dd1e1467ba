<1. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2012345678
ST  - CONFERENCE ABSTRACT
TI  - Inhaled budesonide in mild asthma: a pragmatic trial.
SO  - Respirology. Conference: 25th Congress of the Asian Pacific Society of Respirology. Japan. 24 (Supplement 2) (pp 145-146), 2019. Date of Publication: November 2019.
AU  - Tanaka H.
AU  - Fernandes R.
AU  - Abbott K.L.
IN  - (Tanaka) Department of Respiratory Medicine, Osaka University, Osaka, Japan
      (Fernandes, Abbott) Woolcock Institute of Medical Research, Sydney, Australia
MH  - *asthma
MH  - adult
MH  - budesonide
AB  - Background: Inhaled corticosteroids are underused in mild asthma.
Method(s): We enrolled 310 adults in 12 practices.
Result(s): Severe exacerbations fell by 40%.
Conclusion(s): As-needed budesonide was effective.
IS  - 1440-1843
DO  - https://dx.doi.org/10.1111/resp.13700
PT  - Conference Abstract
LG  - English
YR  - 2019
XZ  - a tag this reader does not know

<2. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2012345999
TI  - Cognitive behavioural therapy for insomnia in primary care: a randomised trial.
SO  - British Journal of General Practice. 70 (698) (pp e612-e620), 2020. Date of Publication: September 2020.
AU  - Moreau C.
AU  - Hughes P.
IS  - 0960-1643
IS  - 1478-5242
DO  - http://dx.doi.org/10.3399/bjgp20X712345
PT  - Journal: Article
LG  - English
YR  - 2020

<3. >
VN  - Ovid Technologies
DB  - Ovid MEDLINE(R) ALL
UI  - 31234567
TI  - Vitamin D supplementation and falls in older adults.
SO  - Journal of the American Geriatrics Society. 67(9):1850-1857, 2019 09.
AU  - Osei A
AU  - Park J
MH  - *Accidental Falls/pc [Prevention & Control]
MH  - Aged
IS  - 0002-8614
DO  - https://dx.doi.org/10.1111/jgs.16012
PT  - Journal Article
LG  - English

