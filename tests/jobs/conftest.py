"""Job tests: the example notebooks, run store and PostgreSQL fixtures come from
tests/conftest.py; the fixture notebooks here fail, sleep, die or need a connection on
purpose, so the tests run them, not nbval."""

collect_ignore_glob = ["notebooks/*.ipynb"]
