"""The leaders' view over time: daily progress snapshots and the company and department dashboards."""
