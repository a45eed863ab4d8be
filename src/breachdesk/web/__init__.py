"""The web face: FastAPI app factory, routers, templates and static files."""
