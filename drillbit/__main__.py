"""``python -m drillbit`` runs the CLI."""

from drillbit.cli import run

run()
