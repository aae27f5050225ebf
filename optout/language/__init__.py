"""The flow language: the pydantic models a flow file is validated against, ARIA roles, the flow
registry. Nothing here drives a browser."""
