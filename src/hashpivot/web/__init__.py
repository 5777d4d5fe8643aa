"""The web service: REST API (FastAPI) and the server-rendered dashboard.

``hashpivot serve`` runs :func:`hashpivot.web.app.create_app` under uvicorn. Engines are
reached only through :mod:`hashpivot.store.runs`; persistence is :mod:`hashpivot.store`.
"""
