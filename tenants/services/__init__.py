"""Business rules of the tenants app: provisioning, signup, region status and the catalogue."""
