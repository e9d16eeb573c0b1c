"""Where plans are kept: the Store (one transaction per change), the Backend contract, and the two backends (file/, postgres/)."""
