import sys

from neural_hpo.cli import main

sys.exit(main())
