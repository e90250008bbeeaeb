"""A contract double of TYPO3 12.4/13.4 EXT:reactions and of the cms-bridge connector extension.

It is derived from TYPO3's source as summarised in the project's TYPO3 research notes (each
behaviour cites the file it mirrors) and from connectors/typo3/README.md. It is not TYPO3:
it only reproduces what cms-bridge can observe over HTTP and in the tables it writes.
"""
