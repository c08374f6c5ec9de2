"""The REST API: FastAPI app factory (the composition root), auth, the error envelope, schemas, routers."""
