<1. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2012346000
TI  - Sleep restriction therapy delivered by nurses.
YR  - 2020

﻿<2. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2012346001
TI  - Sleep hygiene education for shift workers.
YR  - 2021

