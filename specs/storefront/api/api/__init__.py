"""The storefront catalogue API: a small JSON service on the standard library's HTTP server."""
