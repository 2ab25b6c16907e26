"""Allow ``python -m alsate_cli``."""

from alsate_cli.cli import main

main()
