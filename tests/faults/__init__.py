"""Fault servers: small OpenAI-compatible HTTP servers on 127.0.0.1 that misbehave on purpose."""
