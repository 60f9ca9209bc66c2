"""Tested numerics behind the INAL theory companion.

One module per topic: :mod:`boolean`, :mod:`alignment` (the INAL estimator),
:mod:`expected` (the exact expectations: degree profiles, C_k, expected INAL), :mod:`degree_bound`, :mod:`networks`, :mod:`noisy_gd`,
:mod:`hermite`, :mod:`representation`, :mod:`diversity`, :mod:`plotting`, and :mod:`book`
(the chapter conventions: scale knob, claims table).
"""

__version__ = "0.1.0"
