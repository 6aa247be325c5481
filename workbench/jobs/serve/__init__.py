"""A notebook as an HTTP API: the app, its OpenAPI document, the server, ``wb.respond``."""
