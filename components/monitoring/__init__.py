"""Monitoring: the Log Analytics workspace, diagnostic settings, managed Prometheus, the StatsD mapping,
alert and recording rules, and Azure metric alerts."""
