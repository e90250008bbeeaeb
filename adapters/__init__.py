"""Adapters: one module per outside system (CMSs, feeds), behind small interfaces.

Nothing here imports from ``bridge`` or ``webhooks``: adapters speak only in the
value types of :mod:`adapters.types` and raise the errors of :mod:`adapters.base`,
so a new CMS is one new module plus one line in :mod:`adapters.registry`.
"""
