"""CLI sub-command groups; each module registers its commands on the root app."""

__all__: list[str] = []
