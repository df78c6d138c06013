"""The web app: Jinja2 pages and a small script, served by the API's FastAPI process (see pages.py)."""
