"""drillbit: design, practise and measure an incident process (the command-line entry)."""

__all__: list[str] = []
