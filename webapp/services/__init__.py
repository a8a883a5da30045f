"""Business rules as plain functions over models: no request, no response."""
