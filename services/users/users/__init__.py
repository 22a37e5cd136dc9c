"""The users service: accounts, argon2id password hashes, and the only holder of the
private key that signs access tokens (published as a JWKS for everyone else)."""
