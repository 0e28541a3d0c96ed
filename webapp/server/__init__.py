"""Running as a service: the gunicorn settings and the one command that serves and works jobs."""
