"""reportgen web: the quarterly cycle (현황, 카드, 검사, 취합, 만들기) in a browser.

:func:`serve` runs it (``reportgen web``); :func:`create_app` makes the application over a
:class:`~reportgen.web.workspace.Workspace` (tests and other hosts).
"""

from reportgen.web.app import create_app, serve

__all__ = ["create_app", "serve"]
