/// The OpenAPI 3.1 document of the REST API, served at `/api/v1/openapi.json`.
///
/// A test compares its paths and methods with the router's, so a route cannot be added
/// without describing it here, nor described without existing.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Concert API",
            "version": "1.0.0",
            "description": "Coordination of multinational takedown operations. Every error is an RFC 9457 problem detail. An operation the caller's agency does not take part in answers 404, as if it did not exist."
          },
          "servers": [
            {
              "url": "/"
            }
          ],
          "security": [
            {
              "bearer": []
            },
            {
              "session": []
            }
          ],
          "paths": {
            "/api/v1/health": {
              "get": {
                "summary": "Whether the server is up.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "const": "ok"
                            }
                          }
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/v1/openapi.json": {
              "get": {
                "summary": "This document.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/v1/sessions": {
              "post": {
                "summary": "Sign in with username and password; answers a bearer token. Failed attempts are limited per account and per client address (growing delays, then a lock: 429 with Retry-After).",
                "responses": {
                  "201": {
                    "description": "Signed in",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Session"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "security": [],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SignIn"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/sessions/current": {
              "delete": {
                "summary": "Sign out: end the session of the token or cookie used.",
                "responses": {
                  "204": {
                    "description": "Signed out"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/me": {
              "get": {
                "summary": "The signed-in user and their agency.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "user": {
                              "$ref": "#/components/schemas/User"
                            },
                            "agency": {
                              "$ref": "#/components/schemas/Agency"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/agencies": {
              "get": {
                "summary": "The directory of agencies.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Agency"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Add an agency (platform administrator).",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Agency"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AgencyInput"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/users": {
              "get": {
                "summary": "The accounts the caller administers: every account for the platform administrator, the agency's own for an agency administrator.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/User"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Add an account: the platform administrator adds only an agency's first account, its administrator (role agencyAdmin); after that only the agency's administrators add accounts, in their own agency. Passwords are checked against common passwords and trivial patterns.",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/UserInput"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/operations": {
              "get": {
                "summary": "The operations the caller's agency takes part in.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Operation"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Create an operation led by the caller's agency (coordinators).",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Operation"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/OperationInput"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}": {
              "get": {
                "summary": "One operation: code name, participants, H-hour.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Operation"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/participants": {
              "post": {
                "summary": "Invite an agency (lead coordinator).",
                "responses": {
                  "201": {
                    "description": "Invited",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Operation"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Invitation"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/h-hour": {
              "put": {
                "summary": "Set or move H-hour (lead coordinator).",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Operation"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/HHourInput"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/targets": {
              "get": {
                "summary": "The targets the caller may see (observers: 403).",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Target"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "post": {
                "summary": "Record a target with its selectors.",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Target"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TargetInput"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/targets/{targetId}": {
              "get": {
                "summary": "One target (each read is audited).",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Target"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "targetId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "put": {
                "summary": "Replace a target (its originating agency).",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Target"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TargetInput"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "targetId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "delete": {
                "summary": "Delete a target (its originating agency).",
                "responses": {
                  "204": {
                    "description": "Deleted"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "targetId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/actions": {
              "get": {
                "summary": "The action plan, ordered by H-hour offset.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Action"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "post": {
                "summary": "Add an action to the plan (lead coordinator).",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Action"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ActionInput"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/actions/{actionId}": {
              "get": {
                "summary": "One action.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Action"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "actionId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "put": {
                "summary": "Change an action's plan (lead coordinator).",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Action"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ActionInput"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "actionId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/actions/{actionId}/status": {
              "post": {
                "summary": "Move an action to another status, with its outcome.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Action"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/StatusChange"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "actionId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/instruments": {
              "get": {
                "summary": "The legal instruments (observers: 403).",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/LegalInstrument"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "post": {
                "summary": "Add a legal instrument (lead coordinator or a prosecutor).",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LegalInstrument"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/LegalInstrumentInput"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/instruments/{instrumentId}": {
              "get": {
                "summary": "One legal instrument.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LegalInstrument"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "instrumentId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              },
              "put": {
                "summary": "Replace a legal instrument, e.g. to record its status.",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LegalInstrument"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/LegalInstrumentInput"
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "instrumentId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/operations/{operationId}/live": {
              "get": {
                "summary": "The operation's events, replayed after 'since' (or Last-Event-ID) and then live, each filtered by the access policy: as Server-Sent Events, or as WebSocket text frames when the request asks to upgrade (one JSON event per frame; heartbeats are {\"kind\":\"heartbeat\",\"sequence\":N}).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "since",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "description": "Sequence number of the last event received; events after it are sent."
                  },
                  {
                    "name": "follow",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "boolean",
                      "default": true
                    },
                    "description": "false: send what exists, then end."
                  }
                ],
                "responses": {
                  "101": {
                    "description": "Switched to a WebSocket (the request asked to upgrade): one JSON event per text frame; a 'reconnect' frame and close code 1013 end a connection that fell too far behind; close code 1001 on shutdown."
                  },
                  "200": {
                    "description": "An event stream: each event's id is its sequence number; 'heartbeat' events carry the sequence reached; a 'reconnect' event ends a stream that fell too far behind.",
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/control": {
              "post": {
                "summary": "GO, HOLD, RESUME or ABORT the action day, for the whole operation or one country (lead coordinator). GO moves every ready action whose gates are all checked to go; ABORT calls off every unfinished action in scope.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ActionDayCommand"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The operation with its action-day state",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Operation"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/actions/{actionId}/gates/{gateId}": {
              "post": {
                "summary": "Check or uncheck a gate of an action (its executing agency or the lead coordinator).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "actionId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "gateId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "checked"
                        ],
                        "properties": {
                          "checked": {
                            "type": "boolean"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The action",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Action"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/log": {
              "get": {
                "summary": "The operation's log, oldest first (everyone who sees the board).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The log",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/LogEntry"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Post an entry to the log (participants; observers follow).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "text"
                        ],
                        "properties": {
                          "text": {
                            "type": "string",
                            "maxLength": 4000
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Posted",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LogEntry"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/log/{entryId}/significant": {
              "post": {
                "summary": "Mark a log entry significant, or not (lead coordinator).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "entryId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "significant"
                        ],
                        "properties": {
                          "significant": {
                            "type": "boolean"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The entry",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LogEntry"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/sitreps": {
              "get": {
                "summary": "The operation's sitreps in the order compiled: approved ones for every participant, drafts too for the lead coordinators.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The sitreps",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Sitrep"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Compile a draft sitrep from the plan and the log since the previous approved sitrep (lead coordinator).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "summary": {
                            "type": "string",
                            "maxLength": 20000
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The draft",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Sitrep"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/sitreps/{sitrepId}": {
              "get": {
                "summary": "One sitrep (a draft only for the lead coordinators).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "sitrepId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The sitrep",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Sitrep"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "put": {
                "summary": "Edit a draft's summary and open problems, and approve it with status 'approved' (lead coordinator). Approved sitreps do not change.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "sitrepId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SitrepEdit"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The sitrep",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Sitrep"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "delete": {
                "summary": "Discard a draft (lead coordinator).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "sitrepId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Discarded"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/sitreps/{sitrepId}/markdown": {
              "get": {
                "summary": "The sitrep as Markdown, to download.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "sitrepId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The document, with Content-Disposition: attachment",
                    "content": {
                      "text/markdown": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/sitreps/{sitrepId}/html": {
              "get": {
                "summary": "The sitrep as a standalone HTML page, to download.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "sitrepId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The document, with Content-Disposition: attachment",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/crosscheck": {
              "post": {
                "summary": "Check before sharing: for each selector, whether another agency holds a matching one, and whom to contact. Bounded by a budget of selectors per user and per agency in a sliding window (429 with Retry-After past it); every value checked is kept in the caller's audit trail, and each holder whose selectors it hits is told who checked which of them (crosscheck.checked).",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "selectors"
                        ],
                        "properties": {
                          "selectors": {
                            "type": "array",
                            "maxItems": 10000,
                            "items": {
                              "$ref": "#/components/schemas/SelectorInput"
                            }
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "One result per selector, in the order asked",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "results"
                          ],
                          "properties": {
                            "results": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/CrossCheckResult"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/hits": {
              "get": {
                "summary": "The hits of the caller's agency, newest first: where another operation holds a matching selector, and whom to contact.",
                "responses": {
                  "200": {
                    "description": "The hits",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items",
                            "common"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Hit"
                              }
                            },
                            "common": {
                              "type": "array",
                              "description": "Values the caller's agency holds that so many operations hold (50 or more) that they produce no hits one by one.",
                              "items": {
                                "type": "object",
                                "required": [
                                  "selectorKind",
                                  "value",
                                  "holders"
                                ],
                                "properties": {
                                  "selectorKind": {
                                    "type": "string"
                                  },
                                  "value": {
                                    "type": "string"
                                  },
                                  "holders": {
                                    "type": "integer"
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/hits/{hitId}/review": {
              "post": {
                "summary": "Mark a hit reviewed (or not) for the caller's agency.",
                "parameters": [
                  {
                    "name": "hitId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "reviewed"
                        ],
                        "properties": {
                          "reviewed": {
                            "type": "boolean"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The hit",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Hit"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/targets/import": {
              "post": {
                "summary": "Import up to 10,000 targets at once (body up to 16 MiB): every one is checked first and nothing is stored if one is wrong; then all are stored in one transaction and cross-checked, their hits stored and announced.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "targets"
                        ],
                        "properties": {
                          "targets": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 10000,
                            "items": {
                              "$ref": "#/components/schemas/TargetInput"
                            }
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Imported",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "imported",
                            "hits"
                          ],
                          "properties": {
                            "imported": {
                              "type": "integer"
                            },
                            "hits": {
                              "type": "integer",
                              "description": "How many new hits the import found."
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/crosscheck/exclusions": {
              "get": {
                "summary": "The values the caller's agency excluded from cross-checking.",
                "responses": {
                  "200": {
                    "description": "The exclusions",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Exclusion"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Exclude a value (a public resolver, the agency's own infrastructure): the agency's selectors with it produce no more hits, and its hits on it are retired.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "kind",
                          "value"
                        ],
                        "properties": {
                          "kind": {
                            "type": "string",
                            "enum": [
                              "ip",
                              "cidr",
                              "domain",
                              "email",
                              "phone",
                              "url",
                              "wallet",
                              "person"
                            ]
                          },
                          "value": {
                            "description": "As for a target's selector: a string, or for a person an object with name and dateOfBirth."
                          },
                          "reason": {
                            "type": "string",
                            "maxLength": 500
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Excluded",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Exclusion"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/crosscheck/exclusions/{exclusionId}": {
              "delete": {
                "summary": "Lift an exclusion of the caller's agency; the hits it held back are stored and announced again.",
                "parameters": [
                  {
                    "name": "exclusionId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Lifted"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/messages": {
              "get": {
                "summary": "The messages the caller may read, newest first, with unread and unacknowledged counts; with q, a full-text search of subject and body (best match first).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "q",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "maxLength": 500
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The inbox",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items",
                            "unread",
                            "unacknowledged",
                            "overdue"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Message"
                              }
                            },
                            "unread": {
                              "type": "integer"
                            },
                            "unacknowledged": {
                              "type": "integer"
                            },
                            "overdue": {
                              "type": "integer"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Send a message: JSON, or multipart/form-data with the JSON as the part 'message' and each file as a part 'file' (streamed, hashed, encrypted at rest).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/MessageInput"
                      }
                    },
                    "multipart/form-data": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "message"
                        ],
                        "properties": {
                          "message": {
                            "$ref": "#/components/schemas/MessageInput"
                          },
                          "file": {
                            "type": "array",
                            "items": {
                              "type": "string",
                              "format": "binary"
                            }
                          }
                        }
                      },
                      "encoding": {
                        "message": {
                          "contentType": "application/json"
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Sent",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Message"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/messages/{messageId}": {
              "get": {
                "summary": "A message with its body, thread, acknowledgements and forwards; the read is recorded in the audit chain.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "messageId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The message",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Message"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/messages/{messageId}/markdown": {
              "get": {
                "summary": "The message as Markdown, to download (H1 marked 'not for judicial use'); audited.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "messageId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The document, with Content-Disposition: attachment",
                    "content": {
                      "text/markdown": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/messages/{messageId}/attachments/{attachmentId}": {
              "get": {
                "summary": "Download a file of a message, checked whole against its SHA-256 first; served as a download, never inline; audited.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "messageId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "attachmentId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The file (application/octet-stream, Content-Disposition: attachment, Repr-Digest)",
                    "content": {
                      "application/octet-stream": {
                        "schema": {
                          "type": "string",
                          "format": "binary"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/messages/{messageId}/acknowledgements": {
              "post": {
                "summary": "Acknowledge receipt for the caller's agency (once; again answers 200).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "messageId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "201": {
                    "description": "Acknowledged",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Acknowledgement"
                        }
                      }
                    }
                  },
                  "200": {
                    "description": "Already acknowledged",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Acknowledgement"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/messages/{messageId}/forwards": {
              "post": {
                "summary": "Pass a message on to another agency of the operation: at once for the originator and for H0/H1 records; H2 and H3 records wait for the originator's decision (202).",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "messageId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "agencyId"
                        ],
                        "properties": {
                          "agencyId": {
                            "type": "string"
                          },
                          "reason": {
                            "type": "string",
                            "maxLength": 2000
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Passed on",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Forward"
                        }
                      }
                    }
                  },
                  "202": {
                    "description": "Asked of the originator",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Forward"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/operations/{operationId}/messages/{messageId}/forwards/{forwardId}/decision": {
              "post": {
                "summary": "The originator's agency grants or refuses a request to pass its message on.",
                "parameters": [
                  {
                    "name": "operationId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "messageId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "forwardId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "grant"
                        ],
                        "properties": {
                          "grant": {
                            "type": "boolean"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Decided",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Forward"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/users/{userId}": {
              "patch": {
                "summary": "Change an account of the caller's agency (agency administrator): its display name, its role, or disable and re-enable it. Disabling ends its sessions. Every change is an account notice to the agency's administrators.",
                "parameters": [
                  {
                    "name": "userId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "displayName": {
                            "type": "string"
                          },
                          "role": {
                            "$ref": "#/components/schemas/UserRole"
                          },
                          "disabled": {
                            "type": "boolean"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The account as it is now",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/users/{userId}/sessions": {
              "delete": {
                "summary": "End every session of an account of the caller's agency (agency administrator).",
                "parameters": [
                  {
                    "name": "userId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Ended"
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/account-notices": {
              "get": {
                "summary": "The newest changes to the accounts of the caller's agency, and failed sign-ins and locks of them (agency administrator).",
                "responses": {
                  "200": {
                    "description": "The notices, newest first",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "sequence",
                                  "kind",
                                  "recordedAt"
                                ],
                                "properties": {
                                  "sequence": {
                                    "type": "integer"
                                  },
                                  "kind": {
                                    "type": "string",
                                    "enum": [
                                      "user.created",
                                      "user.changed",
                                      "user.disabled",
                                      "user.enabled",
                                      "user.sessionsEnded",
                                      "signIn.failed",
                                      "signIn.locked"
                                    ]
                                  },
                                  "recordedAt": {
                                    "type": "string"
                                  },
                                  "actorUserId": {
                                    "type": "string"
                                  },
                                  "actorAgencyId": {
                                    "type": "string"
                                  },
                                  "user": {
                                    "$ref": "#/components/schemas/User"
                                  },
                                  "username": {
                                    "type": "string"
                                  },
                                  "address": {
                                    "type": "string"
                                  },
                                  "lockedUntil": {
                                    "type": "string",
                                    "format": "date-time"
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/crosscheck/notices": {
              "get": {
                "summary": "Checks before sharing by other agencies that hit the caller's agency's selectors: who checked, when, and which of its selectors. Never the value the checker sent.",
                "responses": {
                  "200": {
                    "description": "The notices, newest first",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "items"
                          ],
                          "properties": {
                            "items": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "id",
                                  "holderAgencyId",
                                  "operationId",
                                  "checkedAt",
                                  "checkedBy",
                                  "selectors"
                                ],
                                "properties": {
                                  "id": {
                                    "type": "string"
                                  },
                                  "holderAgencyId": {
                                    "type": "string"
                                  },
                                  "operationId": {
                                    "type": "string"
                                  },
                                  "checkedAt": {
                                    "type": "string",
                                    "format": "date-time"
                                  },
                                  "checkedBy": {
                                    "type": "object",
                                    "required": [
                                      "userId",
                                      "agencyId",
                                      "agencyName",
                                      "agencyCountry"
                                    ],
                                    "properties": {
                                      "userId": {
                                        "type": "string"
                                      },
                                      "agencyId": {
                                        "type": "string"
                                      },
                                      "agencyName": {
                                        "type": "string"
                                      },
                                      "agencyCountry": {
                                        "type": "string"
                                      },
                                      "agencyContact": {
                                        "type": "string"
                                      }
                                    }
                                  },
                                  "selectors": {
                                    "type": "array",
                                    "items": {
                                      "type": "object",
                                      "required": [
                                        "targetId",
                                        "selectorKind",
                                        "value",
                                        "match"
                                      ],
                                      "properties": {
                                        "targetId": {
                                          "type": "string"
                                        },
                                        "selectorKind": {
                                          "type": "string"
                                        },
                                        "value": {
                                          "type": "string"
                                        },
                                        "match": {
                                          "type": "string"
                                        }
                                      }
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "403": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "Token from POST /api/v1/sessions."
              },
              "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "concert_session"
              }
            },
            "responses": {
              "Problem": {
                "description": "A problem detail (RFC 9457).",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "$ref": "#/components/schemas/Problem"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Problem": {
                "type": "object",
                "required": [
                  "type",
                  "title",
                  "status",
                  "detail"
                ],
                "properties": {
                  "type": {
                    "type": "string"
                  },
                  "title": {
                    "type": "string"
                  },
                  "status": {
                    "type": "integer"
                  },
                  "detail": {
                    "type": "string"
                  },
                  "field": {
                    "type": "string"
                  },
                  "retryAfter": {
                    "type": "integer",
                    "description": "For 429: seconds to wait, as in Retry-After."
                  }
                }
              },
              "SignIn": {
                "type": "object",
                "required": [
                  "username",
                  "password"
                ],
                "properties": {
                  "username": {
                    "type": "string"
                  },
                  "password": {
                    "type": "string"
                  }
                }
              },
              "Session": {
                "type": "object",
                "required": [
                  "token",
                  "expiresAt",
                  "user"
                ],
                "properties": {
                  "token": {
                    "type": "string"
                  },
                  "expiresAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "user": {
                    "$ref": "#/components/schemas/User"
                  }
                }
              },
              "AgencyKind": {
                "type": "string",
                "enum": [
                  "police",
                  "prosecution",
                  "euAgency",
                  "cert",
                  "privatePartner"
                ]
              },
              "Agency": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "country",
                  "kind"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "country": {
                    "type": "string",
                    "pattern": "^[A-Z]{2}$"
                  },
                  "kind": {
                    "$ref": "#/components/schemas/AgencyKind"
                  },
                  "contact": {
                    "type": "string"
                  }
                }
              },
              "AgencyInput": {
                "type": "object",
                "required": [
                  "name",
                  "country",
                  "kind"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "country": {
                    "type": "string"
                  },
                  "kind": {
                    "$ref": "#/components/schemas/AgencyKind"
                  },
                  "contact": {
                    "type": "string"
                  }
                }
              },
              "UserRole": {
                "type": "string",
                "enum": [
                  "admin",
                  "agencyAdmin",
                  "coordinator",
                  "officer",
                  "prosecutor",
                  "observer"
                ]
              },
              "User": {
                "type": "object",
                "required": [
                  "id",
                  "username",
                  "displayName",
                  "agencyId",
                  "role"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "username": {
                    "type": "string"
                  },
                  "displayName": {
                    "type": "string"
                  },
                  "agencyId": {
                    "type": "string"
                  },
                  "role": {
                    "$ref": "#/components/schemas/UserRole"
                  },
                  "disabledAt": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When an agency administrator disabled the account; absent while it may sign in."
                  }
                }
              },
              "UserInput": {
                "type": "object",
                "required": [
                  "username",
                  "displayName",
                  "agencyId",
                  "role",
                  "password"
                ],
                "properties": {
                  "username": {
                    "type": "string"
                  },
                  "displayName": {
                    "type": "string"
                  },
                  "agencyId": {
                    "type": "string"
                  },
                  "role": {
                    "$ref": "#/components/schemas/UserRole"
                  },
                  "password": {
                    "type": "string",
                    "minLength": 12
                  }
                }
              },
              "Participant": {
                "type": "object",
                "required": [
                  "agencyId",
                  "role"
                ],
                "properties": {
                  "agencyId": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "lead",
                      "participant",
                      "observer"
                    ]
                  }
                }
              },
              "Operation": {
                "type": "object",
                "required": [
                  "id",
                  "codeName",
                  "leadAgencyId",
                  "participants",
                  "createdAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "codeName": {
                    "type": "string"
                  },
                  "summary": {
                    "type": "string"
                  },
                  "leadAgencyId": {
                    "type": "string"
                  },
                  "hHour": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "participants": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Participant"
                    }
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "actionDay": {
                    "$ref": "#/components/schemas/ActionDayState"
                  }
                }
              },
              "OperationInput": {
                "type": "object",
                "required": [
                  "codeName"
                ],
                "properties": {
                  "codeName": {
                    "type": "string"
                  },
                  "summary": {
                    "type": "string"
                  },
                  "hHour": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "participants": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Participant"
                    }
                  }
                }
              },
              "Invitation": {
                "type": "object",
                "required": [
                  "agencyId",
                  "role"
                ],
                "properties": {
                  "agencyId": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "participant",
                      "observer"
                    ]
                  }
                }
              },
              "HHourInput": {
                "type": "object",
                "required": [
                  "hHour"
                ],
                "properties": {
                  "hHour": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "Handling": {
                "type": "string",
                "enum": [
                  "H0",
                  "H1",
                  "H2",
                  "H3"
                ]
              },
              "Evaluation": {
                "type": "string",
                "pattern": "^[ABCX][1-4]$",
                "description": "Source reliability A/B/C/X and information accuracy 1-4."
              },
              "Distribution": {
                "oneOf": [
                  {
                    "const": "all"
                  },
                  {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "minItems": 1
                  }
                ]
              },
              "SelectorInput": {
                "type": "object",
                "required": [
                  "kind",
                  "value"
                ],
                "properties": {
                  "kind": {
                    "type": "string",
                    "enum": [
                      "ip",
                      "cidr",
                      "domain",
                      "email",
                      "phone",
                      "url",
                      "wallet",
                      "person"
                    ]
                  },
                  "value": {
                    "oneOf": [
                      {
                        "type": "string"
                      },
                      {
                        "type": "object",
                        "required": [
                          "name"
                        ],
                        "properties": {
                          "name": {
                            "type": "string"
                          },
                          "dateOfBirth": {
                            "type": "string",
                            "format": "date"
                          }
                        }
                      }
                    ]
                  }
                }
              },
              "Selector": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/SelectorInput"
                  },
                  {
                    "type": "object",
                    "required": [
                      "matchKey"
                    ],
                    "properties": {
                      "matchKey": {
                        "type": "string",
                        "description": "Normalised form: equal for every way of writing one identifier."
                      },
                      "dateOfBirth": {
                        "type": "string",
                        "format": "date"
                      }
                    }
                  }
                ]
              },
              "TargetKind": {
                "type": "string",
                "enum": [
                  "person",
                  "server",
                  "domain",
                  "organisation",
                  "onlineAccount",
                  "cryptoWallet",
                  "location"
                ]
              },
              "TargetInput": {
                "type": "object",
                "required": [
                  "kind",
                  "name",
                  "selectors",
                  "handling",
                  "evaluation",
                  "distribution"
                ],
                "properties": {
                  "kind": {
                    "$ref": "#/components/schemas/TargetKind"
                  },
                  "name": {
                    "type": "string"
                  },
                  "notes": {
                    "type": "string"
                  },
                  "hostingProvider": {
                    "type": "string"
                  },
                  "country": {
                    "type": "string"
                  },
                  "selectors": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/SelectorInput"
                    },
                    "maxItems": 1000
                  },
                  "handling": {
                    "$ref": "#/components/schemas/Handling"
                  },
                  "handlingRestriction": {
                    "type": "string"
                  },
                  "evaluation": {
                    "$ref": "#/components/schemas/Evaluation"
                  },
                  "distribution": {
                    "$ref": "#/components/schemas/Distribution"
                  }
                }
              },
              "Target": {
                "type": "object",
                "required": [
                  "id",
                  "operationId",
                  "kind",
                  "name",
                  "selectors",
                  "handling",
                  "evaluation",
                  "distribution",
                  "originatorAgencyId",
                  "createdBy",
                  "createdAt",
                  "updatedAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "operationId": {
                    "type": "string"
                  },
                  "kind": {
                    "$ref": "#/components/schemas/TargetKind"
                  },
                  "name": {
                    "type": "string"
                  },
                  "notes": {
                    "type": "string"
                  },
                  "hostingProvider": {
                    "type": "string"
                  },
                  "country": {
                    "type": "string"
                  },
                  "selectors": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Selector"
                    }
                  },
                  "handling": {
                    "$ref": "#/components/schemas/Handling"
                  },
                  "handlingRestriction": {
                    "type": "string"
                  },
                  "evaluation": {
                    "$ref": "#/components/schemas/Evaluation"
                  },
                  "distribution": {
                    "$ref": "#/components/schemas/Distribution"
                  },
                  "originatorAgencyId": {
                    "type": "string"
                  },
                  "createdBy": {
                    "type": "string"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "ActionKind": {
                "type": "string",
                "enum": [
                  "arrest",
                  "houseSearch",
                  "serverTakedown",
                  "seizure",
                  "domainSeizure",
                  "interview",
                  "assetFreeze"
                ]
              },
              "ActionStatus": {
                "type": "string",
                "enum": [
                  "planned",
                  "ready",
                  "go",
                  "inProgress",
                  "done",
                  "failed",
                  "aborted"
                ]
              },
              "Outcome": {
                "type": "object",
                "required": [
                  "kind"
                ],
                "properties": {
                  "kind": {
                    "type": "string",
                    "enum": [
                      "arrested",
                      "notFound",
                      "serversSeized",
                      "itemsSeized",
                      "domainSeized",
                      "assetsFrozen",
                      "interviewed",
                      "other"
                    ]
                  },
                  "count": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "description": {
                    "type": "string"
                  }
                }
              },
              "ActionInput": {
                "type": "object",
                "required": [
                  "kind",
                  "title",
                  "executingAgencyId",
                  "place",
                  "country",
                  "timeZone",
                  "offsetMinutes"
                ],
                "properties": {
                  "kind": {
                    "$ref": "#/components/schemas/ActionKind"
                  },
                  "title": {
                    "type": "string"
                  },
                  "targetId": {
                    "type": "string"
                  },
                  "executingAgencyId": {
                    "type": "string"
                  },
                  "place": {
                    "type": "string"
                  },
                  "country": {
                    "type": "string"
                  },
                  "timeZone": {
                    "type": "string",
                    "description": "IANA time zone"
                  },
                  "offsetMinutes": {
                    "type": "integer",
                    "description": "Planned start relative to H-hour, in minutes."
                  },
                  "expectedDurationMinutes": {
                    "type": "integer"
                  },
                  "legalInstrumentId": {
                    "type": "string"
                  },
                  "gates": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "maxItems": 20
                  }
                }
              },
              "Action": {
                "type": "object",
                "required": [
                  "id",
                  "operationId",
                  "kind",
                  "title",
                  "executingAgencyId",
                  "place",
                  "country",
                  "timeZone",
                  "offsetMinutes",
                  "expectedDurationMinutes",
                  "status",
                  "createdAt",
                  "updatedAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "operationId": {
                    "type": "string"
                  },
                  "kind": {
                    "$ref": "#/components/schemas/ActionKind"
                  },
                  "title": {
                    "type": "string"
                  },
                  "targetId": {
                    "type": "string"
                  },
                  "executingAgencyId": {
                    "type": "string"
                  },
                  "place": {
                    "type": "string"
                  },
                  "country": {
                    "type": "string"
                  },
                  "timeZone": {
                    "type": "string"
                  },
                  "offsetMinutes": {
                    "type": "integer"
                  },
                  "expectedDurationMinutes": {
                    "type": "integer"
                  },
                  "legalInstrumentId": {
                    "type": "string"
                  },
                  "status": {
                    "$ref": "#/components/schemas/ActionStatus"
                  },
                  "outcome": {
                    "$ref": "#/components/schemas/Outcome"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "gates": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Gate"
                    }
                  },
                  "startedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "overdueFlags": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "enum": [
                        "notStarted",
                        "notFinished"
                      ]
                    }
                  }
                }
              },
              "StatusChange": {
                "type": "object",
                "required": [
                  "status"
                ],
                "properties": {
                  "status": {
                    "$ref": "#/components/schemas/ActionStatus"
                  },
                  "outcome": {
                    "$ref": "#/components/schemas/Outcome"
                  }
                }
              },
              "InstrumentKind": {
                "type": "string",
                "enum": [
                  "europeanArrestWarrant",
                  "europeanInvestigationOrder",
                  "mutualLegalAssistance",
                  "domesticWarrant"
                ]
              },
              "InstrumentStatus": {
                "type": "string",
                "enum": [
                  "drafted",
                  "requested",
                  "issued",
                  "executed",
                  "refused"
                ]
              },
              "LegalInstrumentInput": {
                "type": "object",
                "required": [
                  "kind",
                  "reference",
                  "executingCountry",
                  "status"
                ],
                "properties": {
                  "kind": {
                    "$ref": "#/components/schemas/InstrumentKind"
                  },
                  "reference": {
                    "type": "string"
                  },
                  "issuingAuthority": {
                    "type": "string"
                  },
                  "executingCountry": {
                    "type": "string"
                  },
                  "status": {
                    "$ref": "#/components/schemas/InstrumentStatus"
                  },
                  "notes": {
                    "type": "string"
                  }
                }
              },
              "LegalInstrument": {
                "type": "object",
                "required": [
                  "id",
                  "operationId",
                  "kind",
                  "reference",
                  "executingCountry",
                  "status",
                  "createdAt",
                  "updatedAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "operationId": {
                    "type": "string"
                  },
                  "kind": {
                    "$ref": "#/components/schemas/InstrumentKind"
                  },
                  "reference": {
                    "type": "string"
                  },
                  "issuingAuthority": {
                    "type": "string"
                  },
                  "executingCountry": {
                    "type": "string"
                  },
                  "status": {
                    "$ref": "#/components/schemas/InstrumentStatus"
                  },
                  "notes": {
                    "type": "string"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "ActionDayCommand": {
                "type": "object",
                "required": [
                  "command"
                ],
                "properties": {
                  "command": {
                    "type": "string",
                    "enum": [
                      "go",
                      "hold",
                      "resume",
                      "abort"
                    ]
                  },
                  "country": {
                    "type": "string",
                    "description": "ISO 3166-1 alpha-2; absent for the whole operation"
                  },
                  "reason": {
                    "type": "string"
                  }
                }
              },
              "Hold": {
                "type": "object",
                "required": [
                  "since"
                ],
                "properties": {
                  "reason": {
                    "type": "string"
                  },
                  "since": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "ActionDayState": {
                "type": "object",
                "properties": {
                  "goGivenAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "hold": {
                    "$ref": "#/components/schemas/Hold"
                  },
                  "countryHolds": {
                    "type": "object",
                    "additionalProperties": {
                      "$ref": "#/components/schemas/Hold"
                    }
                  },
                  "abortedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "abortedCountries": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "Gate": {
                "type": "object",
                "required": [
                  "id",
                  "title",
                  "checked"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "title": {
                    "type": "string"
                  },
                  "checked": {
                    "type": "boolean"
                  },
                  "checkedBy": {
                    "type": "string"
                  },
                  "checkedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "LogEntry": {
                "type": "object",
                "required": [
                  "id",
                  "operationId",
                  "text",
                  "authorUserId",
                  "agencyId",
                  "significant",
                  "createdAt",
                  "updatedAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "operationId": {
                    "type": "string"
                  },
                  "text": {
                    "type": "string"
                  },
                  "authorUserId": {
                    "type": "string"
                  },
                  "agencyId": {
                    "type": "string"
                  },
                  "significant": {
                    "type": "boolean"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "SitrepStatus": {
                "type": "string",
                "enum": [
                  "draft",
                  "approved"
                ]
              },
              "OutcomeTally": {
                "type": "object",
                "required": [
                  "arrests",
                  "serversTakenDown",
                  "seizures"
                ],
                "properties": {
                  "arrests": {
                    "type": "integer"
                  },
                  "serversTakenDown": {
                    "type": "integer"
                  },
                  "seizures": {
                    "type": "integer"
                  }
                }
              },
              "Sitrep": {
                "type": "object",
                "description": "A situation report. Drafts are seen by the lead agency's coordinators only.",
                "required": [
                  "id",
                  "operationId",
                  "status",
                  "compiledAt",
                  "summary",
                  "counters",
                  "sincePrevious",
                  "outcomes",
                  "significantEvents",
                  "openProblems",
                  "compiledByUserId",
                  "updatedAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "operationId": {
                    "type": "string"
                  },
                  "number": {
                    "type": "integer",
                    "description": "1, 2, … among the approved sitreps; absent while a draft."
                  },
                  "status": {
                    "$ref": "#/components/schemas/SitrepStatus"
                  },
                  "compiledAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "previousSitrepId": {
                    "type": "string"
                  },
                  "periodStart": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "summary": {
                    "type": "string"
                  },
                  "counters": {
                    "type": "object",
                    "required": [
                      "actionsByStatus",
                      "actionsByCountry",
                      "outcomes"
                    ],
                    "properties": {
                      "actionsByStatus": {
                        "type": "object",
                        "additionalProperties": {
                          "type": "integer"
                        }
                      },
                      "actionsByCountry": {
                        "type": "object",
                        "additionalProperties": {
                          "type": "object",
                          "additionalProperties": {
                            "type": "integer"
                          }
                        }
                      },
                      "outcomes": {
                        "$ref": "#/components/schemas/OutcomeTally"
                      }
                    }
                  },
                  "sincePrevious": {
                    "$ref": "#/components/schemas/OutcomeTally"
                  },
                  "outcomes": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "actionId",
                        "title",
                        "country",
                        "status"
                      ],
                      "properties": {
                        "actionId": {
                          "type": "string"
                        },
                        "title": {
                          "type": "string"
                        },
                        "country": {
                          "type": "string"
                        },
                        "status": {
                          "$ref": "#/components/schemas/ActionStatus"
                        },
                        "outcome": {
                          "$ref": "#/components/schemas/Outcome"
                        }
                      }
                    }
                  },
                  "significantEvents": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "entryId",
                        "text",
                        "agencyId",
                        "postedAt"
                      ],
                      "properties": {
                        "entryId": {
                          "type": "string"
                        },
                        "text": {
                          "type": "string"
                        },
                        "agencyId": {
                          "type": "string"
                        },
                        "postedAt": {
                          "type": "string",
                          "format": "date-time"
                        }
                      }
                    }
                  },
                  "openProblems": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "compiledByUserId": {
                    "type": "string"
                  },
                  "approvedByUserId": {
                    "type": "string"
                  },
                  "approvedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "SitrepEdit": {
                "type": "object",
                "required": [
                  "openProblems",
                  "status"
                ],
                "properties": {
                  "summary": {
                    "type": "string",
                    "maxLength": 20000
                  },
                  "openProblems": {
                    "type": "array",
                    "maxItems": 200,
                    "items": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 1000
                    }
                  },
                  "status": {
                    "$ref": "#/components/schemas/SitrepStatus"
                  }
                }
              },
              "MatchKind": {
                "type": "string",
                "enum": [
                  "exact",
                  "insideBlock",
                  "containsAddress",
                  "overlappingBlocks",
                  "subdomain",
                  "parentDomain",
                  "samePerson",
                  "possiblePerson"
                ]
              },
              "CrossCheckResult": {
                "type": "object",
                "required": [
                  "hit",
                  "matches"
                ],
                "properties": {
                  "hit": {
                    "type": "boolean"
                  },
                  "matches": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "match",
                        "selectorKind",
                        "agency"
                      ],
                      "properties": {
                        "match": {
                          "$ref": "#/components/schemas/MatchKind"
                        },
                        "selectorKind": {
                          "type": "string",
                          "enum": [
                            "ip",
                            "cidr",
                            "domain",
                            "email",
                            "phone",
                            "url",
                            "wallet",
                            "person"
                          ]
                        },
                        "agency": {
                          "type": "object",
                          "required": [
                            "id",
                            "name",
                            "country"
                          ],
                          "properties": {
                            "id": {
                              "type": "string"
                            },
                            "name": {
                              "type": "string"
                            },
                            "country": {
                              "type": "string"
                            },
                            "contact": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    }
                  },
                  "commonHolders": {
                    "type": "integer",
                    "description": "How many operations hold the value, when so many do that it is common."
                  }
                }
              },
              "Hit": {
                "type": "object",
                "description": "A hit as the caller's agency sees it: its own selector, and the other side's agency, contact and selector kind. The other side's value, target, operation and code name only where the caller may read that record.",
                "required": [
                  "id",
                  "match",
                  "foundAt",
                  "reviewed",
                  "mine",
                  "other"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "match": {
                    "$ref": "#/components/schemas/MatchKind"
                  },
                  "foundAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "reviewed": {
                    "type": "boolean"
                  },
                  "reviewedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "mine": {
                    "type": "object",
                    "required": [
                      "operationId",
                      "codeName",
                      "targetId",
                      "selectorKind",
                      "value"
                    ],
                    "properties": {
                      "operationId": {
                        "type": "string"
                      },
                      "codeName": {
                        "type": "string"
                      },
                      "targetId": {
                        "type": "string"
                      },
                      "selectorKind": {
                        "type": "string",
                        "enum": [
                          "ip",
                          "cidr",
                          "domain",
                          "email",
                          "phone",
                          "url",
                          "wallet",
                          "person"
                        ]
                      },
                      "value": {
                        "type": "string"
                      }
                    }
                  },
                  "other": {
                    "type": "object",
                    "required": [
                      "agency",
                      "selectorKind"
                    ],
                    "properties": {
                      "agency": {
                        "type": "object",
                        "required": [
                          "id",
                          "name",
                          "country"
                        ],
                        "properties": {
                          "id": {
                            "type": "string"
                          },
                          "name": {
                            "type": "string"
                          },
                          "country": {
                            "type": "string"
                          },
                          "contact": {
                            "type": "string"
                          }
                        }
                      },
                      "selectorKind": {
                        "type": "string",
                        "enum": [
                          "ip",
                          "cidr",
                          "domain",
                          "email",
                          "phone",
                          "url",
                          "wallet",
                          "person"
                        ]
                      },
                      "value": {
                        "type": "string",
                        "description": "Only where the caller may read the other side's record."
                      },
                      "operationId": {
                        "type": "string"
                      },
                      "codeName": {
                        "type": "string"
                      },
                      "targetId": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "Exclusion": {
                "type": "object",
                "required": [
                  "id",
                  "agencyId",
                  "kind",
                  "value",
                  "matchKey",
                  "createdBy",
                  "createdAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "agencyId": {
                    "type": "string"
                  },
                  "kind": {
                    "type": "string",
                    "enum": [
                      "ip",
                      "cidr",
                      "domain",
                      "email",
                      "phone",
                      "url",
                      "wallet",
                      "person"
                    ]
                  },
                  "value": {
                    "type": "string"
                  },
                  "matchKey": {
                    "type": "string"
                  },
                  "reason": {
                    "type": "string"
                  },
                  "createdBy": {
                    "type": "string"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "MessageInput": {
                "type": "object",
                "required": [
                  "subject",
                  "body",
                  "handling",
                  "evaluation",
                  "distribution"
                ],
                "properties": {
                  "subject": {
                    "type": "string",
                    "maxLength": 300
                  },
                  "body": {
                    "type": "string",
                    "description": "Plain text with simple Markdown (paragraphs, lists, **strong**, *emphasis*, `code`, links to https/mailto)."
                  },
                  "handling": {
                    "$ref": "#/components/schemas/Handling"
                  },
                  "handlingRestriction": {
                    "type": "string",
                    "description": "Required with H3."
                  },
                  "evaluation": {
                    "$ref": "#/components/schemas/Evaluation"
                  },
                  "distribution": {
                    "$ref": "#/components/schemas/Distribution"
                  },
                  "targets": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "maxItems": 100,
                    "description": "Targets of the operation the message concerns."
                  },
                  "replyTo": {
                    "type": "string",
                    "description": "The message it answers; a reply reaches only agencies that received it."
                  },
                  "corrects": {
                    "type": "string",
                    "description": "The message it corrects (the sender's agency's own); a correction also answers it."
                  }
                }
              },
              "Attachment": {
                "type": "object",
                "required": [
                  "id",
                  "fileName",
                  "mediaType",
                  "size",
                  "sha256"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "fileName": {
                    "type": "string"
                  },
                  "mediaType": {
                    "type": "string"
                  },
                  "size": {
                    "type": "integer"
                  },
                  "sha256": {
                    "type": "string",
                    "description": "SHA-256 of the content in hex, as sha256sum prints it."
                  }
                }
              },
              "Acknowledgement": {
                "type": "object",
                "required": [
                  "agencyId",
                  "userId",
                  "acknowledgedAt"
                ],
                "properties": {
                  "agencyId": {
                    "type": "string"
                  },
                  "userId": {
                    "type": "string"
                  },
                  "acknowledgedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "Forward": {
                "type": "object",
                "required": [
                  "id",
                  "messageId",
                  "agencyId",
                  "requestedByAgencyId",
                  "requestedByUserId",
                  "status",
                  "requestedAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "messageId": {
                    "type": "string"
                  },
                  "agencyId": {
                    "type": "string",
                    "description": "The agency that is to receive the message."
                  },
                  "requestedByAgencyId": {
                    "type": "string"
                  },
                  "requestedByUserId": {
                    "type": "string"
                  },
                  "reason": {
                    "type": "string"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "requested",
                      "granted",
                      "refused"
                    ]
                  },
                  "requestedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "decidedByUserId": {
                    "type": "string"
                  },
                  "decidedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "Message": {
                "type": "object",
                "required": [
                  "id",
                  "operationId",
                  "threadId",
                  "subject",
                  "handling",
                  "handlingNotice",
                  "notForJudicialUse",
                  "evaluation",
                  "distribution",
                  "originatorAgencyId",
                  "authorUserId",
                  "sentAt",
                  "targets",
                  "attachments",
                  "unread"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "operationId": {
                    "type": "string"
                  },
                  "threadId": {
                    "type": "string"
                  },
                  "replyTo": {
                    "type": "string"
                  },
                  "corrects": {
                    "type": "string"
                  },
                  "subject": {
                    "type": "string"
                  },
                  "handling": {
                    "$ref": "#/components/schemas/Handling"
                  },
                  "handlingRestriction": {
                    "type": "string"
                  },
                  "handlingNotice": {
                    "type": "string",
                    "description": "The handling rule in words; for H1 the 'NOT FOR JUDICIAL USE' marking."
                  },
                  "notForJudicialUse": {
                    "type": "boolean"
                  },
                  "evaluation": {
                    "$ref": "#/components/schemas/Evaluation"
                  },
                  "distribution": {
                    "$ref": "#/components/schemas/Distribution"
                  },
                  "originatorAgencyId": {
                    "type": "string"
                  },
                  "authorUserId": {
                    "type": "string"
                  },
                  "sentAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "targets": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "attachments": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Attachment"
                    }
                  },
                  "unread": {
                    "type": "boolean"
                  },
                  "acknowledgedByMyAgency": {
                    "type": "boolean"
                  },
                  "awaitingAcknowledgement": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "For the originator's agency only."
                  },
                  "overdue": {
                    "type": "boolean",
                    "description": "For the originator's agency only."
                  },
                  "body": {
                    "type": "string",
                    "description": "On the message's own address only (each read is audited)."
                  },
                  "bodyHtml": {
                    "type": "string"
                  },
                  "acknowledgements": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Acknowledgement"
                    }
                  },
                  "forwards": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Forward"
                    }
                  },
                  "thread": {
                    "type": "array",
                    "items": {
                      "type": "object"
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
