"""Customer analytics beside the ledger: statistical models fitted to customers' purchase histories."""
