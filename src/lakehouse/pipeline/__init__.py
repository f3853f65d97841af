"""The pipeline's stages (contract §5): bronze-to-silver and silver-to-gold, each with its Spark work, and `run`, both.

A stage takes a `LakehouseConfig`, holds the root's lock, recovers what a killed run left, does its work through the
transformations (bronze/, silver/, gold/) and storage/, and returns its one result object. Errors a user can cause
cross as `UserError`s.
"""
