"""Pulumi component resources of airflow-aks, one module per concern, plus the pure helpers they share."""
