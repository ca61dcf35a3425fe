"""`python -m handset_ca`: the same as the `handset-ca` command."""

import sys

from handset_ca.cli import main

sys.exit(main())
