// Filled in by the storage test work for issue #2.
