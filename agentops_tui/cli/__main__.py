"""`python -m agentops_tui.cli`: the same as the `agentops-tui` script."""

import sys

from agentops_tui.cli import main

sys.exit(main())
