"""Spatial regression models (spatial Durbin, SLX, lag, error) and their impacts."""
