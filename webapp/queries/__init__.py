"""Read models: queries that summarise the database for screens; they never write."""
