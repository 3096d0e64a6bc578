"""Data: the task-log storage account, the PostgreSQL metadata database and its connection URI."""
