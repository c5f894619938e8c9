"""The REST API: flask-smorest blueprints, their schemas, the one error shape, security headers and
the request log. It speaks HTTP for the subsystems below it."""
