"""Load testing the web UI with Locust: ``python -m webui.load`` (``make loadtest``).

Locust monkey-patches the standard library's networking when imported, so nothing in
``webui`` imports it: :mod:`webui.load.runner` runs it as a child process against a server
it starts on 127.0.0.1, and ``webui/locustfile.py`` is only ever loaded by Locust itself.
"""

__all__: list[str] = []
