"""Adapters that let other toolkits drive a SiamBAN tracker; each imports its toolkit only when it is used.

- ``siamban.integrations.got10k_toolkit.SiamBANGOT10kTracker``: a ``got10k.trackers.Tracker`` for the GOT-10k
  toolkit's experiments (``pip install got10k``).
"""
