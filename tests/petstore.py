"""A small petstore-like OpenAPI 3.0 document for the tests of generated connectors."""

from __future__ import annotations

import copy
from typing import Any

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "format": "int64", "readOnly": True},
        "name": {"type": "string", "minLength": 1, "example": "Rex"},
        "tag": {"type": "string", "nullable": True},
        "status": {"type": "string", "enum": ["available", "pending", "sold"]},
        "born": {"type": "string", "format": "date-time"},
        "owner": {"$ref": "#/components/schemas/Owner"},
    },
}
OWNER = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "e-mail": {"type": "string", "format": "email"},
        "friends": {"type": "array", "items": {"$ref": "#/components/schemas/Owner"}},
    },
}
ERROR = {"type": "object", "properties": {"message": {"type": "string"}}}


def _json(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema, **extra}}}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Petstore",
        "version": "1.0",
        "description": "A small pet store API.\n\nUsed by the tests.",
    },
    "servers": [{"url": "http://petstore.test/v1"}],
    "security": [{"api_key": []}],
    "components": {
        "schemas": {"Pet": PET, "Owner": OWNER, "Error": ERROR},
        "securitySchemes": {
            "api_key": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
            "bearer": {"type": "http", "scheme": "bearer"},
            "basic": {"type": "http", "scheme": "basic"},
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": "http://auth.test/token",
                        "scopes": {"read": "Read", "write": "Write"},
                    }
                },
            },
        },
    },
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets",
                "description": "Returns the pets, newest first.",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "description": "How many pets to return",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                    },
                    {
                        "name": "tags",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                    {
                        "name": "ids",
                        "in": "query",
                        "style": "form",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["available", "pending", "sold"]},
                    },
                    {
                        "name": "filter",
                        "in": "query",
                        "style": "deepObject",
                        "explode": True,
                        "schema": {
                            "type": "object",
                            "properties": {"color": {"type": "string"}, "age": {"type": "integer"}},
                        },
                    },
                    {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                    {"name": "vip", "in": "query", "schema": {"type": "boolean"}},
                ],
                "responses": {
                    "200": _json(
                        {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
                        example=[{"id": 1, "name": "Rex", "status": "available"}],
                    ),
                    "default": _json({"$ref": "#/components/schemas/Error"}),
                },
            },
            "post": {
                "operationId": "createPet",
                "summary": "Add a pet",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string", "description": "The pet's name"},
                                    "tag": {"type": "string", "nullable": True},
                                    "born": {"type": "string", "format": "date-time"},
                                    "owner": {"$ref": "#/components/schemas/Owner"},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": _json({"$ref": "#/components/schemas/Pet"})},
            },
        },
        "/pets/{petId}": {
            "parameters": [
                {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getPet",
                "summary": "One pet",
                "responses": {"200": _json({"$ref": "#/components/schemas/Pet"})},
            },
            "delete": {
                "operationId": "deletePet",
                "security": [{"bearer": []}],
                "responses": {"204": {"description": "Deleted"}},
            },
        },
        "/pets/{petId}/photo": {
            "post": {
                "operationId": "uploadPhoto",
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["photo"],
                                "properties": {
                                    "photo": {"type": "string", "format": "binary"},
                                    "caption": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": _json({"type": "object"})},
            },
        },
        "/orders": {
            "post": {
                "operationId": "createOrder",
                "security": [{"basic": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["amount", "currency"],
                                "properties": {
                                    "amount": {"type": "integer", "minimum": 1},
                                    "currency": {"type": "string", "pattern": "^[a-z]{3}$"},
                                    "metadata": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                    },
                                    "items": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "sku": {"type": "string"},
                                                "qty": {"type": "integer"},
                                            },
                                        },
                                    },
                                },
                            },
                            "encoding": {
                                "metadata": {"style": "deepObject", "explode": True},
                                "items": {"style": "deepObject", "explode": True},
                            },
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["id", "amount"],
                            "properties": {
                                "id": {"type": "string", "format": "uuid"},
                                "amount": {"type": "integer"},
                            },
                        }
                    )
                },
            }
        },
        "/stores/{storeId}/inventory": {
            "get": {
                "operationId": "getInventory",
                "security": [{"oauth": ["read"]}],
                "parameters": [
                    {
                        "name": "storeId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": _json({"type": "object", "additionalProperties": {"type": "integer"}})
                },
            }
        },
        "/reports": {
            "post": {
                "operationId": "sendReport",
                "requestBody": {"content": {"application/x-www-form-urlencoded": {}}},
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


def document(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the petstore document (top-level keys replaced by ``changes``)."""
    return {**copy.deepcopy(DOCUMENT), **changes}
