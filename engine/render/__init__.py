"""Rendering: a validated spec → Dockerfiles, a Compose file and Kubernetes manifests (pure), and their writer."""
