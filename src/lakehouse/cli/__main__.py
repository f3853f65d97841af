import sys

from lakehouse.cli.commands import main

sys.exit(main())
