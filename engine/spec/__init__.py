"""The spec: loading ``app.yaml`` with positions, the models, the JSON Schema and the semantic checks (pure)."""
