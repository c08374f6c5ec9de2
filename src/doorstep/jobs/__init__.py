"""Background work: the runner protocol lives in services.platform; here are its implementations."""
