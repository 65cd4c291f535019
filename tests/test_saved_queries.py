"""The saved-query library (app/saved_queries.py): reading grlc headers and placeholders into typed
templates, binding values as RDF terms, and refusing values that would change a query's structure."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from app.core.config import PROJECT_ROOT
from app.saved_queries import (
    ParameterError,
    QueryLibraryError,
    declared_choices,
    load_library,
    load_template,
    term_text,
    tokenize,
)

QUERIES_DIR = PROJECT_ROOT / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"
ID = "https://w3id.org/migcoop/id/"
LIBRARY = load_library(QUERIES_DIR)
NEW_QUERIES = sorted(name for name in LIBRARY if not name.startswith("cq"))
# grlc's own reading of a placeholder (src/gquery.py, get_parameters): one or two underscores, a name
# without underscores, then the type.
GRLC_VARIABLE = re.compile(
    r"(?P<required>[_]{1,2})(?P<name>[^_]+)_?(?P<type>[a-zA-Z0-9]+)?_?(?P<userdefined>[a-zA-Z0-9]+)?.*$"
)


def write(tmp_path: Path, text: str, name: str = "sample.rq") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SAMPLE = """\
#+ summary: Which actions of a country started in a year?
#+ description: >
#+   A folded description
#+   on two lines.
#+ tags:
#+   - library
#+   - countries
#+ defaults:
#+   - country: https://w3id.org/migcoop/id/country/CPV
#+   - since: 2010-01-01
#+   - year: 2012
#+ enumerate:
#+   - country
#+   - kind:
#+     - https://w3id.org/migcoop/ontology#Workshop
#+     - https://w3id.org/migcoop/ontology#Seminar
#+ pagination: 20
#+ method: GET
#+ endpoint_in_url: False

PREFIX mc: <https://w3id.org/migcoop/ontology#>
# a comment with ?_not_a_parameter in it
SELECT ?action ?label (COUNT(?x) AS ?n)
WHERE {
  ?action mc:partnerCountry ?_country_iri ;
          a ?__kind_iri ;
          <http://www.w3.org/2000/01/rdf-schema#label> ?label ;
          mc:period/mc:startDate ?start .
  FILTER (YEAR(?start) = ?_year_integer && ?start >= ?_since_date)
  FILTER (CONTAINS(?label, ?__text) || ?label = ?__title_en || ?x > ?__minimum_decimal)
  OPTIONAL { ?action mc:x ?x }
}
GROUP BY ?action ?label
ORDER BY ?action
"""


# --- reading the header and the placeholders --------------------------------------------


def test_header_decorators_are_read_as_grlc_reads_them(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, SAMPLE))
    assert template.name == "sample"
    assert template.summary == "Which actions of a country started in a year?"
    assert template.description == "A folded description on two lines."
    assert template.tags == ("library", "countries")
    assert template.pagination == 20
    assert template.method == "GET"
    assert template.decorators["endpoint_in_url"] is False
    assert template.variables == ("action", "label", "n")
    assert "#+" not in template.query


def test_placeholders_become_typed_parameters(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, SAMPLE))
    found = {
        p.name: (p.variable, p.type, p.required, p.language, p.default, p.enumeration) for p in template.parameters
    }
    assert found == {
        "country": ("_country_iri", "iri", True, None, f"{ID}country/CPV", "graph"),
        "kind": ("__kind_iri", "iri", False, None, None, "declared"),
        "year": ("_year_integer", "integer", True, None, "2012", None),  # YAML's 2012 read back as text
        "since": ("_since_date", "date", True, None, "2010-01-01", None),  # YAML's date read back as text
        "text": ("__text", "string", False, None, None, None),
        "title": ("__title_en", "lang", False, "en", None, None),
        "minimum": ("__minimum_decimal", "decimal", False, None, None, None),
    }
    assert [p.name for p in template.parameters][:2] == ["country", "kind"]  # in order of first use
    kind = template.parameter("kind")
    assert kind is not None
    assert sorted(term.value for term in declared_choices(kind).values()) == [
        "https://w3id.org/migcoop/ontology#Seminar",
        "https://w3id.org/migcoop/ontology#Workshop",
    ]


def test_our_parameters_are_the_ones_grlc_would_find() -> None:
    for name, template in LIBRARY.items():
        variables = {token.text[1:] for token in template.tokens if token.kind == "variable"}
        grlc = {}
        for variable in variables:
            match = GRLC_VARIABLE.match(variable)
            if match:
                grlc[match.group("name")] = (match.group("required") == "_", match.group("type") or "string")
        ours = {p.name: (p.required, p.language or p.type) for p in template.parameters}
        assert ours == grlc, name


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { ?s ?p ?_x_colour }", "unknown type 'colour'"),
        ("SELECT * WHERE { ?s ?p ?_a_xsd_gYear }", "not a placeholder"),
        ("SELECT * WHERE { ?s ?p ?_page_integer }", "reserved"),
        ("SELECT * WHERE { ?s ?p ?_format }", "reserved"),
        ("SELECT * WHERE { ?s ?p ?_x_iri . ?s ?q ?__x_iri }", "written both"),
        ("ASK { ?s ?p ?_x_iri }", "only SELECT"),
        ("CONSTRUCT WHERE { ?s ?p ?_x_iri }", "only SELECT"),
        ("#+ defaults:\n#+   - y: 1\nSELECT * WHERE { ?s ?p ?_x_iri }", "unknown parameters: ['y']"),
        ("#+ defaults:\n#+   - x: not an iri\nSELECT * WHERE { ?s ?p ?_x_iri }", "is not allowed"),
        ("#+ defaults:\n#+   - x: 20x2\nSELECT * WHERE { ?s ?p ?_x_integer }", "not an integer"),
        ("#+ enumerate:\n#+   - x:\n#+     - 2012-02-30\nSELECT * WHERE { ?s ?p ?_x_date }", "not a date"),
        ("#+ pagination: none\nSELECT * WHERE { ?s ?p ?o }", "pagination"),
        ("#+ method: DELETE\nSELECT * WHERE { ?s ?p ?o }", "method"),
        ("#+ summary: [unclosed\nSELECT * WHERE { ?s ?p ?o }", "not valid YAML"),
    ],
)
def test_a_query_file_that_cannot_be_served_is_refused_with_the_reason(
    tmp_path: Path, query: str, message: str
) -> None:
    with pytest.raises(QueryLibraryError, match=re.escape(message)):
        load_template(write(tmp_path, query))


def test_a_file_name_must_be_a_slug(tmp_path: Path) -> None:
    write(tmp_path, "SELECT * WHERE { ?s ?p ?o }", name="Bad_Name.rq")
    with pytest.raises(QueryLibraryError, match="lower-case words"):
        load_library(tmp_path)


def test_tokens_skip_comments_and_keep_iris_and_strings_whole() -> None:
    text = 'SELECT ?x WHERE { ?x <http://a.example/p#q> "a # not a comment ?_y" ; ?p "v"^^<http://t> } # ?_z'
    kinds = [(token.kind, token.text) for token in tokenize(text)]
    assert ("iri", "<http://a.example/p#q>") in kinds
    assert ("literal", '"a # not a comment ?_y"') in kinds
    assert ("literal", '"v"^^<http://t>') in kinds
    assert not any(kind == "comment" or "?_z" in value for kind, value in kinds)
    assert [value for kind, value in kinds if kind == "variable"] == ["?x", "?x", "?p"]


# --- the library in queries/ ------------------------------------------------------------


def test_the_library_holds_the_competency_questions_and_the_analyst_queries() -> None:
    competency = [name for name in LIBRARY if name.startswith("cq")]
    assert len(competency) == 36
    assert all(not LIBRARY[name].parameters for name in competency), "the cq files keep their fixed questions"
    assert NEW_QUERIES == [
        "actions-by-country", "actions-by-programme", "actions-by-region", "actions-by-theme", "actions-by-title",
        "actions-running-in-year", "activities-in-period", "experts-from-country", "funding-by-instrument",
        "organisation-partners", "organisation-portfolio", "outputs-by-status",
    ]  # fmt: skip


@pytest.mark.parametrize("name", NEW_QUERIES)
def test_analyst_queries_follow_the_conventions(name: str) -> None:
    template = LIBRARY[name]
    assert template.summary.endswith("?")
    assert template.description
    assert "library" in template.tags
    assert template.method == "GET"
    assert template.decorators.get("endpoint_in_url") is False
    assert template.parameters, "an analyst query takes at least one parameter"
    for parameter in template.parameters:
        assert parameter.default is not None or not parameter.required, f"{parameter.name} needs a default"
    assert re.search(r"\bORDER BY\b", template.query), "results must come in a stable order"
    # Self-contained, as grlc sends it to any endpoint: every prefix it uses is declared.
    declared = set(re.findall(r"^PREFIX\s+([A-Za-z][\w-]*):", template.query, flags=re.MULTILINE))
    used = {token.text.split(":")[0] for token in template.tokens if token.kind == "word" and ":" in token.text}
    assert used <= declared


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_saved_query_parses_unbound_as_grlc_does_and_bound_with_its_defaults(name: str) -> None:
    template = LIBRARY[name]
    prepareQuery(template.query)  # grlc reads the query with rdflib's parser
    bound = template.bind({})
    ox.Store().query(bound.text)  # and the bound query is valid SPARQL for our store
    for parameter in template.parameters:
        if parameter.enumeration == "graph":
            ox.Store().query(template.enumeration_query(parameter))


def test_enumerations_read_from_the_graph_list_the_values_with_labels(store) -> None:
    template = LIBRARY["actions-by-region"]
    parameter = template.parameter("region")
    assert parameter is not None
    result = store.raw.query(template.enumeration_query(parameter))
    rows = {row["value"].value: row["label"].value for row in result}
    # The M49 areas that contain a partner country, at every level (source 004's African partners,
    # Moldova for PARE 1+1, Morocco, Tunisia and Egypt for THAMM and CNC).
    assert rows == {
        f"{ID}m49/001": "World", f"{ID}m49/002": "Africa", f"{ID}m49/011": "Western Africa",
        f"{ID}m49/014": "Eastern Africa", f"{ID}m49/015": "Northern Africa", f"{ID}m49/017": "Middle Africa",
        f"{ID}m49/150": "Europe", f"{ID}m49/151": "Eastern Europe", f"{ID}m49/202": "Sub-Saharan Africa",
    }  # fmt: skip


# --- binding ---------------------------------------------------------------------------


def sample(tmp_path: Path):
    return load_template(write(tmp_path, SAMPLE))


def test_values_are_bound_as_typed_terms(tmp_path: Path) -> None:
    bound = sample(tmp_path).bind(
        {"country": f"{ID}country/GHA", "year": " 2013 ", "since": "2011-02-03", "minimum": "1500.50",
         "text": 'say "hi"\nthen {leave}', "title": "Ghana I", "kind": "https://w3id.org/migcoop/ontology#Seminar"}
    )  # fmt: skip
    text = bound.text
    assert f"mc:partnerCountry <{ID}country/GHA>" in text
    assert f'YEAR(?start) = "2013"^^<{XSD}integer>' in text
    assert f'?start >= "2011-02-03"^^<{XSD}date>' in text
    assert f'?x > "1500.50"^^<{XSD}decimal>' in text
    assert 'CONTAINS(?label, "say \\"hi\\"\\nthen {leave}")' in text
    assert '?label = "Ghana I"@en' in text
    assert "a <https://w3id.org/migcoop/ontology#Seminar>" in text
    assert not [token.text for token in tokenize(text) if token.text.startswith("?_")]  # every placeholder is bound
    assert dict(bound.bindings)["year"] == f'"2013"^^<{XSD}integer>'


def test_defaults_fill_missing_and_empty_values_and_optional_ones_stay_free(tmp_path: Path) -> None:
    bound = sample(tmp_path).bind({"country": "", "kind": ""})
    assert f"<{ID}country/CPV>" in bound.text
    assert f'"2012"^^<{XSD}integer>' in bound.text
    assert "a ?__kind_iri" in bound.text and "?__text" in bound.text  # grlc leaves them as variables
    assert [name for name, _ in bound.bindings] == ["country", "since", "year"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"country": "country/GHA"}, "Parameter 'country': 'country/GHA' is not allowed: it must be an absolute IRI"),
        ({"country": "https://a.example/x y"}, "Parameter 'country'"),
        ({"year": "2012.5"}, "Parameter 'year': '2012.5' is not an integer"),
        ({"year": "1e3"}, "Parameter 'year'"),
        ({"since": "2012-02-30"}, "Parameter 'since': '2012-02-30' is not a date"),
        ({"since": "2012-2-3"}, "Parameter 'since'"),
        ({"minimum": "12,5"}, "Parameter 'minimum': '12,5' is not a decimal number"),
        ({"minimum": "NaN"}, "Parameter 'minimum'"),
        ({"colour": "red"}, "Unknown parameter 'colour' for saved query 'sample'; it takes: country, kind, year"),
        ({"text": "x" * 2001}, "longer than 2000 characters"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter_and_the_reason(tmp_path: Path, values, message) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)) as caught:
        sample(tmp_path).bind(values)
    assert caught.value.status == 422


def test_a_required_parameter_without_default_must_be_given(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, "SELECT ?s WHERE { ?s ?p ?_thing_iri } ORDER BY ?s"))
    with pytest.raises(ParameterError, match=re.escape("Missing required parameter 'thing' (iri)")):
        template.bind({})


def test_values_outside_an_enumeration_are_refused(tmp_path: Path) -> None:
    template = sample(tmp_path)
    kind = template.parameter("kind")
    assert kind is not None
    allowed = {"kind": declared_choices(kind), "country": {f"<{ID}country/CPV>": ox.NamedNode(f"{ID}country/CPV")}}
    template.bind({"kind": "https://w3id.org/migcoop/ontology#Workshop"}, allowed)
    with pytest.raises(ParameterError, match=r"Parameter 'kind': '.*#Training' is not one of the allowed values \(2: "):
        template.bind({"kind": "https://w3id.org/migcoop/ontology#Training"}, allowed)
    with pytest.raises(ParameterError, match=r"Parameter 'country': '.*country/GHA' is not one of the allowed values"):
        template.bind({"country": f"{ID}country/GHA"}, allowed)


# --- injection ---------------------------------------------------------------------------

IRI_ATTACKS = [
    "<x> } ; DROP ALL ; {",
    ID + "country/CPV> } ; DROP ALL ; { <x",
    ID + "country/CPV>} UNION {?s ?p ?o",
    f'{ID}country/CPV"',
    f"{ID}country/CPV\n",
    "{ID}",
    f"{ID}a`b",
    f"{ID}a\\u003E",
]
STRING_ATTACKS = [
    '"a" . ?s ?p ?o',
    '") } ; DROP ALL ; { ("',
    "'''x''' } INSERT DATA { <a> <b> <c> } #",
    "trailing backslash \\",
    '\\" ) } # comment',
    "line\n} ; CLEAR ALL ; {\nbreak",
    '""" } """',
]


@pytest.mark.parametrize("value", IRI_ATTACKS)
def test_an_iri_that_would_break_out_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ParameterError, match="Parameter 'country'") as caught:
        sample(tmp_path).bind({"country": value})
    assert caught.value.status == 422


@pytest.mark.parametrize("value", STRING_ATTACKS)
def test_a_string_that_looks_like_sparql_is_bound_as_one_harmless_literal(tmp_path: Path, value: str) -> None:
    template = sample(tmp_path)
    bound = template.bind({"text": value})
    original = [(token.kind, token.text) for token in template.tokens]
    after = [(token.kind, token.text) for token in tokenize(bound.text)]
    assert len(after) == len(original), "the structure of the query changed"
    changed = [(before, now) for before, now in zip(original, after, strict=True) if before != now]
    # Only the placeholders moved: the defaults (country, since, year) and the one string literal.
    assert [before[1] for before, _ in changed] == ["?_country_iri", "?_year_integer", "?_since_date", "?__text"]
    literal = changed[-1][1]
    assert literal[0] == "literal" and literal[1] == term_text(ox.Literal(value))
    # The store reads it back as exactly the value given: no keyword of it reached the query.
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a.example/s"), ox.NamedNode("http://a.example/p"), ox.Literal(value)))
    echoed = list(store.query(f"SELECT ?o WHERE {{ ?s ?p ?o FILTER (?o = {literal[1]}) }}"))
    assert [row["o"].value for row in echoed] == [value]
    ox.Store().query(bound.text)  # still a valid SELECT


def test_the_structure_check_stops_a_term_that_would_change_the_query(tmp_path: Path, monkeypatch) -> None:
    """Defence in depth: even if a bad term got past the type checks, the bound query is refused."""
    import app.saved_queries as saved_queries

    monkeypatch.setattr(saved_queries, "term_text", lambda term: "<a:b> } ; DROP ALL ; { <a:c>")
    with pytest.raises(ParameterError, match="would change the structure of the query"):
        sample(tmp_path).bind({"country": f"{ID}country/GHA"})


def test_an_injection_through_a_real_saved_query_leaves_the_graph_untouched(store) -> None:
    template = LIBRARY["actions-by-title"]
    before = len(store.raw)
    bound = template.bind({"text": '") } ; DROP ALL ; { FILTER("'})
    assert list(store.raw.query(bound.text)) == []
    assert len(store.raw) == before
    rows = list(store.raw.query(template.bind({"text": "Trafficking"}).text))
    assert len(rows) == 4  # Zambia, Uganda, Côte d'Ivoire I and COMESA II name trafficking in their titles (004)
