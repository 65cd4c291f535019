"""Migration Cooperation knowledge graph: build pipeline and SPARQL service."""

__version__ = "1.0.0"
