"""Project plumbing that no app owns: fuzzy dates, outbound HTTP, caching, refusals.

Nothing here imports an app of the project (tests/test_layout.py checks it).
"""
