"""Analytics: KPIs and the peak-time heatmap computed from the day's record by SQL rollups (docs/analytics.md)."""
