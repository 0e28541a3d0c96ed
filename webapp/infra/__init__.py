"""Infrastructure: e-mail transport, background jobs and personal-link tokens."""
