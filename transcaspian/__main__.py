"""``python -m transcaspian`` runs the command line."""

from transcaspian.cli import main

main()
