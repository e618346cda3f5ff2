"""Storage: rows (SQLAlchemy), the repository, the hash-chained decision log, migrations.

Nothing here knows about HTTP, and nothing outside `api/` imports it: the engine decides, this
package remembers.
"""
