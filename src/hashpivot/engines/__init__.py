"""Engines: pipelines from a validated model to a results object that echoes its inputs.

One package per family of engines (:mod:`~hashpivot.engines.economics`: ``cost``,
``backtest``, ``profit``; :mod:`~hashpivot.engines.pivot`; :mod:`~hashpivot.engines.simulate`;
:mod:`~hashpivot.engines.dispatch`) and, beside them, the modules several share
(:mod:`~hashpivot.engines.mining_terms`, :mod:`~hashpivot.engines.standing`).
"""
