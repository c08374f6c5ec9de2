"""Background work: named jobs (``services.job_registry``) run by the in-process runner (embedded shape) or by
Celery workers on a Redis broker (scaled shape); the event handlers the composition roots register."""
