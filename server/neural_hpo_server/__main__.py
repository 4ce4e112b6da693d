import sys

from neural_hpo.cli import main

sys.exit(main(["lsp", *sys.argv[1:]]))
