"""cms-bridge: connects existing WordPress and TYPO3 sites to the social web."""

__version__ = "0.1.0"
