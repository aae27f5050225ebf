"""Unattended re-checks: drift, alerts, schedules."""
