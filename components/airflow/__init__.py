"""The Airflow release and everything that builds its values: chart values, airflow.cfg defaults, the
chart's Secrets, sign-in, the platform DAG bundle, remote logging, images and concurrency limits."""
