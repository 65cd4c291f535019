"""Stage 2, validation: check the asserted graph against the SHACL shapes.

Validation runs on the asserted data (ontology included, so that `sh:class`
sees subclasses) before any reasoning, so a mistake cannot be hidden or
spread by the reasoner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from app.namespaces import SH


@dataclass(frozen=True)
class Violation:
    focus: Node
    path: Node | None
    value: Node | None
    constraint: URIRef
    shape: Node
    message: str
    severity: URIRef

    def describe(self, files: list[Path] | None = None) -> str:
        where = f" (defined in {', '.join(str(f) for f in files)})" if files else ""
        path = f" path {self.path.n3()}" if self.path is not None else ""
        value = f" value {self.value.n3()}" if self.value is not None else ""
        rule = str(self.constraint).rsplit("#", 1)[-1]
        return f"{self.focus.n3()}{where}:{path}{value} [{rule}] {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: list[Violation]
    report_graph: Graph


def load_shapes(shapes_path: Path) -> Graph:
    return Graph().parse(shapes_path, format="turtle")


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    conforms, report_graph, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    violations = sorted(read_violations(report_graph), key=lambda v: (str(v.focus), str(v.path), v.message))
    return ValidationReport(conforms=bool(conforms), violations=violations, report_graph=report_graph)


def read_violations(report: Graph) -> list[Violation]:
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        messages = [str(m) for m in report.objects(result, SH.resultMessage)]
        results.append(
            Violation(
                focus=report.value(result, SH.focusNode),
                path=report.value(result, SH.resultPath),
                value=report.value(result, SH.value),
                constraint=report.value(result, SH.sourceConstraintComponent),
                shape=report.value(result, SH.sourceShape),
                message="; ".join(sorted(messages)) or "constraint violated",
                severity=report.value(result, SH.resultSeverity),
            )
        )
    return results
