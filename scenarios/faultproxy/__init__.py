"""A TCP fault proxy (latency, bandwidth, resets, dead upstream) with a control API.

Toxiproxy's server cannot be installed on drillbit's machines, so this small asyncio proxy
plays its part: ``python -m scenarios.faultproxy`` in front of any TCP service, controlled
over HTTP (:mod:`scenarios.faultproxy.control`) or from the Chaos Toolkit extension.
"""

from __future__ import annotations

from scenarios.faultproxy.model import ProxyFaults, ProxyStats
from scenarios.faultproxy.proxy import FaultProxy
from scenarios.faultproxy.server import ProxySettings, serve

__all__ = ["FaultProxy", "ProxyFaults", "ProxySettings", "ProxyStats", "serve"]
