"""Engines: pipelines from a validated model to a results object that echoes its inputs."""
