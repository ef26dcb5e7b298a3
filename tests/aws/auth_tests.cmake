# SigV4 + credentials tests
