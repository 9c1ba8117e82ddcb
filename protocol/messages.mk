# protocol/: backend and frontend message readers and builders.
