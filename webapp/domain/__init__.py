"""Domain actions: functions that change state; the caller owns the transaction (commit or rollback)."""
