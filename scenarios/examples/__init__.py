"""Worked examples for own staging: a plain HTTP service that is not the checkout target.

``python -m scenarios.examples.inventory --port 8000`` serves a tiny, standard-library-only
inventory API; ``inventory-latency.yaml`` is a game day against it through the fault proxy
(``drillbit gameday run scenarios/examples/inventory-latency.yaml --target
http://127.0.0.1:8000 --service inventory``). See ``scenarios/README.md``, *Your own staging*.
"""

from pathlib import Path

__all__ = ["EXPERIMENT"]

#: The worked example's experiment (2.5 s of proxy latency in front of the inventory API).
EXPERIMENT = Path(__file__).with_name("inventory-latency.yaml")
