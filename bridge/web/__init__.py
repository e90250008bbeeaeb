"""The web layer: server-rendered pages, the JSON API, shared request plumbing."""
