"""Persistence of portfolios, runs and API keys (SQLAlchemy 2, Alembic migrations).

SQLite file by default (in the user data directory, WAL journal), PostgreSQL when
``HASHPIVOT_DATABASE_URL`` names one. Nothing here imports the web framework: the CLI's
``hashpivot runs`` and ``hashpivot keys`` use it directly.
"""
