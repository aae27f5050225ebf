"""Who optout signs in as: the accounts config, keyrings, authenticator secrets, saved sessions."""
