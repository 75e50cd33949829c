"""webui: the drillbit web UI and JSON API (FastAPI, Jinja2, htmx with server-sent events).

::

    from webui import Settings, create_app
    app = create_app(Settings(data_dir="var"))      # or: python -m webui / drillbit serve

Pages: the drill library (``/``), the facilitator's console (``/rooms/ID/facilitator``,
reached with the secret facilitator link), the participants' room (``/rooms/ID``, after
joining with the code), the team's postmortem (``/rooms/ID/postmortem``), the debrief
(``/rooms/ID/debrief``: the facilitator's at any time, the participants' once released),
studies (``/studies``). The JSON API and the alert receivers are documented at ``/docs``.
"""

from webui.app import create_app
from webui.serve import serve
from webui.settings import Settings

__all__ = ["Settings", "create_app", "serve"]
