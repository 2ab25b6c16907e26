"""alsate: Analysis of Linux System Logs for Active Threat Evaluation."""

__version__ = "0.1.0"
