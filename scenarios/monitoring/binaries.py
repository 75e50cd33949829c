"""Finding Prometheus and Alertmanager: Debian's packages, or upstream's binaries on PATH.

=========================  ============================  ==================================
Debian package             binary                        upstream name
=========================  ============================  ==================================
``prometheus``             ``/usr/bin/prometheus``,      ``prometheus``, ``promtool``
                           ``/usr/bin/promtool``
``prometheus-alertmanager`` ``/usr/bin/prometheus-alertmanager``, ``alertmanager``, ``amtool``
                           ``/usr/bin/amtool``
=========================  ============================  ==================================

Debian 12 ships Prometheus 2.42 and Alertmanager 0.25; the generated configs use only fields
those versions know (``matchers``, ``http_config.authorization.credentials_file``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from playbook.errors import RunFailed

__all__ = ["DEBIAN_PACKAGES", "MonitoringBinaries", "find_binaries", "require_binaries", "version"]

DEBIAN_PACKAGES = ("prometheus", "prometheus-alertmanager")


class MonitoringBinaries(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prometheus: Path
    alertmanager: Path
    promtool: Path | None = None
    amtool: Path | None = None


def _which(*names: str) -> Path | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def find_binaries() -> MonitoringBinaries | None:
    """The installed binaries, or None when Prometheus or Alertmanager is missing."""
    prometheus = _which("prometheus")
    alertmanager = _which("prometheus-alertmanager", "alertmanager")
    if prometheus is None or alertmanager is None:
        return None
    return MonitoringBinaries(
        prometheus=prometheus,
        alertmanager=alertmanager,
        promtool=_which("promtool"),
        amtool=_which("amtool"),
    )


def require_binaries() -> MonitoringBinaries:
    found = find_binaries()
    if found is None:
        raise RunFailed(
            "Prometheus and Alertmanager are not installed: "
            f"apt-get install -y {' '.join(DEBIAN_PACKAGES)}"
        )
    return found


def version(binary: Path) -> str:
    """The first line of ``binary --version`` (e.g. ``alertmanager, version 0.25.0 ...``)."""
    done = subprocess.run(  # noqa: S603 - a binary found on PATH, no shell
        [str(binary), "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    return (done.stdout or done.stderr).splitlines()[0].strip()
