"""Helpers shared by the test suites: local images, Docker fixtures, spec builders."""
