"""QuickFIX plumbing shared by the venue (acceptor) and the broker sessions (initiators)."""
