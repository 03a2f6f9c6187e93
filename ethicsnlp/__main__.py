"""``python -m ethicsnlp``."""

from ethicsnlp.cli import main

main()
