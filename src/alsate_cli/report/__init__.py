"""``alsate report``: the period it covers, the hourly timeline, what is new since the last report."""
