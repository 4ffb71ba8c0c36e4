"""Spatial dynamics: spillover or siphoning, over time.

:func:`~geoagglom.spatial_markov` (:mod:`.markov`)
    Spatial Markov chain (Rey 2001) of a unit x year panel, with the
    Bickenbach & Bode (2003) spatial homogeneity tests.
:func:`~geoagglom.lisa_markov` (:mod:`.lisa_markov`)
    Moves between LISA quadrants (Rey & Janikas 2006): independence of own and
    neighbours' moves, significance-aware move types, units joining significant
    clusters.
:func:`~geoagglom.directional_lisa` (:mod:`.directional`)
    Directional LISA and rose diagram (Rey, Murray & Anselin 2011) with
    permutation inference and neutral direction codes per unit.
:func:`~geoagglom.space_time_lisa` (:mod:`.space_time`)
    Bivariate local Moran of x in year t against the lag of y (or its change)
    ``lag`` periods later.
:func:`~geoagglom.spillover_verdict` (:mod:`.verdict`)
    One row per significant HH/HL centre and a verdict code under a stated rule.

Panels are long tables, wide units x years tables or arrays (:mod:`._panel`);
finite Markov chain tools are in :mod:`.chain`. Statistics use neutral codes
(HH, LH, LL, HL, ns; up_up, up_down, ...); the study layer names them.
"""
