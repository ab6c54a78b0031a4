"""Broken (and oddly valid) master workbooks made from the sample, for the hardening tests."""
