"""Inbound HTTP from outside systems: signatures, replay guard, payload schemas."""
