"""The web app and REST API (``transcaspian serve``): routes, access, limits, the job store."""
