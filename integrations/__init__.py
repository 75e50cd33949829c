"""integrations: other tools' configurations in and out of drillbit.

PagerDuty REST API bodies and Terraform (``pagerduty``, ``terraform``), Alertmanager's
routing tree (``alertmanager``) and incident histories (``history``). Parsing and mapping
are pure functions of already-read data; only the ``read_*`` helpers touch files.
"""

__all__: list[str] = []  # the subpackages are the public surface
