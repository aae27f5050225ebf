"""`python -m optout.browser`: which browser optout would use (see launch.main)."""

import sys

from optout.browser.launch import main

sys.exit(main())
