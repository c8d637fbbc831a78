"""HTTP routes, one module per resource, and what the OpenAPI spec says of them."""
