"""Spatial dynamics of spillover and siphoning (spatial Markov, LISA Markov, directional LISA)."""
