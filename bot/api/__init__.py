"""The HTTP channel: an API Gateway HTTP API (payload format 2.0) Lambda handler, a local server and a web chat."""
