"""Spatial regression models (spatial Durbin, SLX, lag, error, SDEM) and their impacts.

:func:`spatial_model` fits a cross-section model by maximum likelihood and returns a
:class:`SpatialModel` with coefficients, asymptotic standard errors, LM diagnostics,
``impacts()`` (direct, indirect, total with simulation inference) and
``unit_effect()`` (the effect of a change at one unit on every unit);
:func:`spatial_panel_model` fits the fixed-effects panel form.
"""
