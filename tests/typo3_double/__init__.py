"""A contract double of TYPO3 12.4/13.4: EXT:reactions, a model of DataHandler, and the cms-bridge
connector extension.

Derived from TYPO3's own source (TYPO3-CMS/core, TYPO3-CMS/reactions, georgringer/news; each
behaviour cites the file and method it mirrors) and, for the connector, from its PHP. It is not
TYPO3: it reproduces what cms-bridge can observe over HTTP and in the tables it writes, and
tests/contract/typo3/ checks it against the same cases a real TYPO3 is checked against.
"""
