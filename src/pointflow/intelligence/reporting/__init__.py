"""Reports for people: self-contained HTML pages built from registry metadata and forecasts."""
