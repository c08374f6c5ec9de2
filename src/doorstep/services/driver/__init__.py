"""The driver's side: login codes and invites, the driver's routes and feed, stop actions and
proofs, positions and trails."""
