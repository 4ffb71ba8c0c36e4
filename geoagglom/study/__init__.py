"""A whole study: config schema, one-pass run, results, figures, report, provenance."""
