"""HTTP: routes per resource, schemas, errors as problem+json, conditional requests, tokens, rate
limits, the request log, security headers, the response cache and the docs pages. It uses the
domain; the domain never uses it."""
