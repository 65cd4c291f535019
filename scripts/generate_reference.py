"""Generate the reference graphs in data/reference/ from the CSV facts.

Inputs: data/reference-src/*.csv (facts copied from the research reference set,
each row citing its own source) and data/curated-src/*.csv (the team's own
vocabularies: roles, statuses, themes, places). Country names and numeric codes
come from pycountry. Output is sorted Turtle, so regenerating is a no-op unless
an input changed.

Run: python scripts/generate_reference.py
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from app.namespaces import ID, MC, ORG, PROV, SCHEMA

ROOT = Path(__file__).resolve().parent.parent
REF_SRC = ROOT / "data" / "reference-src"
CUR_SRC = ROOT / "data" / "curated-src"
OUT = ROOT / "data" / "reference"

CV = Namespace("http://data.europa.eu/m8g/")
WD = Namespace("http://www.wikidata.org/entity/")
EU_CORP = Namespace("http://publications.europa.eu/resource/authority/corporate-body/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")

PREFIXES = {
    "mc": MC,
    "id": ID,
    "org": ORG,
    "prov": PROV,
    "cv": CV,
    "schema": SCHEMA,
    "wd": WD,
    "skos": SKOS,
    "dct": DCTERMS,
    "owl": OWL,
    "xsd": XSD,
}
REFERENCE_SOURCE = ID["source/reference"]
EN = "en"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def expand_curie(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(str(PREFIXES[prefix]) + local)


def add_concept(
    graph: Graph,
    iri: URIRef,
    scheme: URIRef,
    label: str,
    definition: str | None = None,
    notation: str | None = None,
    extra_types: Iterable[URIRef] = (),
) -> None:
    graph.add((iri, RDF.type, SKOS.Concept))
    for extra in extra_types:
        graph.add((iri, RDF.type, extra))
    graph.add((iri, SKOS.inScheme, scheme))
    graph.add((iri, SKOS.prefLabel, Literal(label, lang=EN)))
    graph.add((iri, RDFS.label, Literal(label, lang=EN)))
    if definition:
        graph.add((iri, SKOS.definition, Literal(definition, lang=EN)))
    if notation:
        graph.add((iri, SKOS.notation, Literal(notation)))
    graph.add((iri, PROV.wasDerivedFrom, REFERENCE_SOURCE))


def add_scheme(graph: Graph, iri: URIRef, label: str, definition: str) -> None:
    graph.add((iri, RDF.type, SKOS.ConceptScheme))
    graph.add((iri, RDFS.label, Literal(label, lang=EN)))
    graph.add((iri, SKOS.prefLabel, Literal(label, lang=EN)))
    graph.add((iri, SKOS.definition, Literal(definition, lang=EN)))


def finish_scheme(graph: Graph, scheme: URIRef) -> None:
    """Mark concepts without a broader concept as top concepts of the scheme."""
    for concept in graph.subjects(SKOS.inScheme, scheme):
        if (concept, SKOS.broader, None) not in graph:
            graph.add((scheme, SKOS.hasTopConcept, concept))
            graph.add((concept, SKOS.topConceptOf, scheme))


# --- vocabularies --------------------------------------------------------

VOCABULARY_SCHEMES = {
    "roles": ("role", "participation roles", "The roles organisations play in initiatives and activities.", MC.Role),
    "expert-sectors": (
        "expert-sector",
        "expert origin sectors",
        "Kinds of employer deployed experts come from.",
        MC.ExpertSector,
    ),
    "event-status": (
        "event-status",
        "event statuses",
        "Whether an activity was held or still planned.",
        MC.EventStatus,
    ),
    "output-status": ("output-status", "output statuses", "Stages in the life of an output.", MC.OutputStatus),
    "org-types": ("org-type", "organisation types", "Kinds of organisation.", MC.OrganisationType),
    "instruments": (
        "instrument",
        "funding instruments",
        "EU budget lines that fund initiatives.",
        MC.FundingInstrument,
    ),
    "m49-levels": ("m49-level", "M49 area levels", "The levels of the UN M49 area hierarchy.", None),
}


def build_vocabularies() -> Graph:
    graph = new_graph()
    for key, (_path, label, definition, _cls) in VOCABULARY_SCHEMES.items():
        add_scheme(graph, ID[f"scheme/{key}"], label, definition)
    for row in read_csv(CUR_SRC / "vocabularies.csv"):
        path, _label, _definition, cls = VOCABULARY_SCHEMES[row["scheme"]]
        scheme = ID[f"scheme/{row['scheme']}"]
        iri = ID[f"{path}/{row['slug']}"]
        add_concept(graph, iri, scheme, row["label"], row["definition"], extra_types=[cls] if cls else [])
        if row["broader"]:
            broader = ID[f"{path}/{row['broader']}"]
            graph.add((iri, SKOS.broader, broader))
            graph.add((broader, SKOS.narrower, iri))
        for mapping in row["mappings"].split(";") if row["mappings"] else []:
            prop, target = mapping.split()
            graph.add((iri, expand_curie(prop), expand_curie(target)))
        if row["shortcut"]:
            graph.add((iri, MC.shortcutProperty, MC[row["shortcut"]]))
    for key in VOCABULARY_SCHEMES:
        finish_scheme(graph, ID[f"scheme/{key}"])
    return graph


def build_themes() -> Graph:
    graph = new_graph()
    scheme = ID["scheme/themes"]
    add_scheme(
        graph,
        scheme,
        "thematic areas",
        "Migration topics used to classify initiatives; the top concepts follow the four priorities of the EU Global Approach to Migration and Mobility plus cross-cutting governance.",
    )
    for row in read_csv(CUR_SRC / "themes.csv"):
        iri = ID[f"theme/{row['slug']}"]
        add_concept(graph, iri, scheme, row["label"], row["definition"], extra_types=[MC.ThematicArea])
        if row["broader"]:
            broader = ID[f"theme/{row['broader']}"]
            graph.add((iri, SKOS.broader, broader))
            graph.add((broader, SKOS.narrower, iri))
        if row["gamm"]:
            graph.add((iri, SKOS.closeMatch, ID[f"code/gamm/{row['gamm']}"]))
        for number in row["gcm"].split():
            graph.add((iri, SKOS.relatedMatch, ID[f"code/gcm/{number}"]))
        for code in row["dac"].split():
            graph.add((iri, SKOS.broadMatch if code == "15190" else SKOS.relatedMatch, ID[f"code/dac/{code}"]))
    finish_scheme(graph, scheme)
    return graph


# --- code lists ----------------------------------------------------------


def build_codelists() -> Graph:
    graph = new_graph()

    def codelist(key: str, label: str, definition: str) -> URIRef:
        scheme = ID[f"scheme/{key}"]
        add_scheme(graph, scheme, label, definition)
        return scheme

    roles = codelist(
        "iati/OrganisationRole",
        "IATI OrganisationRole",
        "IATI 2.03 code list of the roles of participating organisations.",
    )
    for row in read_csv(REF_SRC / "iati_org_roles.csv"):
        add_concept(
            graph, ID[f"code/iati/OrganisationRole/{row['code']}"], roles, row["name"], row["meaning"], row["code"]
        )

    status = codelist(
        "iati/ActivityStatus", "IATI ActivityStatus", "IATI 2.03 code list of the stages of an activity's life cycle."
    )
    for row in read_csv(REF_SRC / "iati_activity_status.csv"):
        add_concept(
            graph, ID[f"code/iati/ActivityStatus/{row['code']}"], status, row["name"], row["meaning"], row["code"]
        )

    other_lists: dict[str, URIRef] = {}
    for row in read_csv(REF_SRC / "iati_codelists_other.csv"):
        name = row["codelist"].split(" (")[0]
        key = f"iati/{name.replace(' ', '')}"
        if key not in other_lists:
            other_lists[key] = codelist(
                key, f"IATI {name}", f"IATI 2.03 code list {name}, the codes the graph's model touches."
            )
        add_concept(
            graph, ID[f"code/{key}/{row['code']}"], other_lists[key], row["name"], row["note"] or None, row["code"]
        )

    dac = codelist(
        "dac",
        "OECD DAC purpose codes (migration-related)",
        "The OECD DAC CRS purpose codes for migration work and its neighbouring sectors.",
    )
    for row in read_csv(REF_SRC / "dac_purpose_codes_migration.csv"):
        add_concept(graph, ID[f"code/dac/{row['code']}"], dac, row["name"], row["scope_in_own_words"], row["code"])

    gcm = codelist(
        "gcm",
        "Global Compact for Migration objectives",
        "The 23 objectives of the Global Compact for Safe, Orderly and Regular Migration (A/RES/73/195).",
    )
    for row in read_csv(REF_SRC / "gcm_objectives.csv"):
        iri = ID[f"code/gcm/{row['number']}"]
        add_concept(graph, iri, gcm, row["title"], None, row["number"])
        graph.add((iri, SKOS.altLabel, Literal(row["hub_short_label"], lang=EN)))

    gamm = codelist(
        "gamm",
        "Global Approach to Migration and Mobility (GAMM) priorities",
        "The priorities of the EU Global Approach to Migration and Mobility, COM(2011) 743.",
    )
    for row in read_csv(REF_SRC / "gamm_pillars.csv"):
        add_concept(graph, ID[f"code/gamm/{row['number']}"], gamm, row["pillar"], None, row["number"])

    sdg = codelist(
        "sdg",
        "SDG target 10.7 and related",
        "Sustainable Development Goal target 10.7, its indicators and target 10.c.",
    )
    for row in read_csv(REF_SRC / "sdg_target_10_7.csv"):
        iri = ID[f"code/sdg/{row['id']}"]
        add_concept(graph, iri, sdg, f"{row['level']} {row['id']}", row["text"], row["id"])
        parent = row["id"].rsplit(".", 1)[0]
        if row["level"] == "indicator":
            graph.add((iri, SKOS.broader, ID[f"code/sdg/{parent}"]))
    return graph


# --- geography -----------------------------------------------------------

M49_LEVELS = {
    "world": "world",
    "region": "region",
    "sub-region": "sub-region",
    "intermediate-region": "intermediate-region",
}


def read_centroids() -> dict[str, tuple[str, str]]:
    """Country centre points (WGS84 decimal degrees) by ISO alpha-3 code; each row names its source."""
    centroids = {}
    for row in read_csv(CUR_SRC / "country_centroids.csv"):
        if not row["source"]:
            raise ValueError(f"centroid of {row['iso3']} cites no source")
        centroids[row["iso3"]] = (row["lat"], row["long"])
    return centroids


def build_geography() -> Graph:
    graph = new_graph()
    graph.bind("geo", GEO, replace=True)  # rdflib binds "geo" to GeoSPARQL by default
    centroids = read_centroids()
    for row in read_csv(REF_SRC / "m49_regions.csv"):
        iri = ID[f"m49/{row['m49']}"]
        graph.add((iri, RDF.type, MC.M49Area))
        graph.add((iri, RDFS.label, Literal(row["name"], lang=EN)))
        graph.add((iri, MC.m49, Literal(row["m49"])))
        graph.add((iri, MC.areaLevel, ID[f"m49-level/{M49_LEVELS[row['level']]}"]))
        if row["parent_m49"]:
            graph.add((iri, MC.withinArea, ID[f"m49/{row['parent_m49']}"]))
        graph.add((iri, PROV.wasDerivedFrom, REFERENCE_SOURCE))

    for row in read_csv(REF_SRC / "m49_countries_in_sources.csv"):
        iri = ID[f"country/{row['iso3']}"]
        iso = pycountry.countries.get(alpha_3=row["iso3"])
        graph.add((iri, RDF.type, MC.Country))
        graph.add((iri, RDFS.label, Literal(row["country"], lang=EN)))
        graph.add((iri, SKOS.prefLabel, Literal(row["country"], lang=EN)))
        if iso is not None:
            official = getattr(iso, "official_name", None)
            if official and official != row["country"]:
                graph.add((iri, SKOS.altLabel, Literal(official, lang=EN)))
            if iso.name != row["country"]:
                graph.add((iri, SKOS.altLabel, Literal(iso.name, lang=EN)))
            graph.add((iri, MC.isoNumeric, Literal(iso.numeric)))
        graph.add((iri, MC.iso2, Literal(row["iso2"])))
        graph.add((iri, MC.iso3, Literal(row["iso3"])))
        graph.add((iri, MC.m49, Literal(row["m49"])))
        graph.add((iri, MC.withinArea, ID[f"m49/{row['m49_area']}"]))
        if row["wikidata_qid"]:
            graph.add((iri, MC.wikidata, WD[row["wikidata_qid"]]))
        if row["eu_country_uri"]:
            graph.add((iri, SKOS.exactMatch, URIRef(row["eu_country_uri"])))
        lat, long = centroids[row["iso3"]]
        graph.add((iri, GEO.lat, Literal(lat, datatype=XSD.decimal)))
        graph.add((iri, GEO.long, Literal(long, datatype=XSD.decimal)))
        graph.add((iri, PROV.wasDerivedFrom, REFERENCE_SOURCE))

    for row in read_csv(CUR_SRC / "places.csv"):
        iri = ID[f"place/{row['slug']}"]
        graph.add((iri, RDF.type, MC.Place))
        graph.add((iri, RDFS.label, Literal(row["label"], lang=EN)))
        within = row["within"]
        parent = ID[f"country/{within}"] if re.fullmatch(r"[A-Z]{3}", within) else ID[f"place/{within}"]
        graph.add((iri, MC.withinArea, parent))
        if re.fullmatch(r"[A-Z]{3}", within):
            graph.add((iri, MC.country, parent))
        graph.add((iri, DCTERMS.type, Literal(row["kind"])))
        graph.add((iri, PROV.wasDerivedFrom, REFERENCE_SOURCE))
    return graph


# --- organisations -------------------------------------------------------

# The reference file gives a free-text type; this maps it to the organisation-type
# scheme and, for the kinds that drive validation and reasoning, to a class.
# The first rule that matches wins; "=" asks for the whole text to match.
ORG_TYPE_RULES: list[tuple[str, str, URIRef | None]] = [
    ("secretariat of a regional", "regional-organisation", MC.RegionalOrganisation),
    ("executive body of a regional", "regional-organisation", MC.RegionalOrganisation),
    ("regional organisation", "regional-organisation", MC.RegionalOrganisation),
    ("un inter-agency", "un-entity", MC.InternationalOrganisation),
    ("un entity", "un-entity", MC.InternationalOrganisation),
    ("un related", "un-entity", MC.InternationalOrganisation),
    ("development bank", "development-bank", MC.InternationalOrganisation),
    ("intergovernmental", "international-organisation", MC.InternationalOrganisation),
    ("international organisation", "international-organisation", MC.InternationalOrganisation),
    ("eu agency", "eu-agency", CV.PublicOrganisation),
    ("eu diplomatic", "eu-delegation", CV.PublicOrganisation),
    ("eu institution", "eu-body", CV.PublicOrganisation),
    ("eu body", "eu-body", CV.PublicOrganisation),
    ("supranational", "eu-body", None),
    ("ministry", "government-ministry", CV.PublicOrganisation),
    ("inter-ministerial", "inter-ministerial-body", CV.PublicOrganisation),
    ("national task force", "inter-ministerial-body", CV.PublicOrganisation),
    ("=task force", "regional-organisation", None),
    ("=department", "regional-organisation", None),
    ("national government body", "government-agency", CV.PublicOrganisation),
    ("national government agency", "government-agency", CV.PublicOrganisation),
    ("national government department", "government-agency", CV.PublicOrganisation),
    ("national statistics", "government-agency", CV.PublicOrganisation),
    ("national police", "government-agency", CV.PublicOrganisation),
    ("national public employment", "government-agency", CV.PublicOrganisation),
    ("national government", "national-government", CV.PublicOrganisation),
    ("=unit", "government-agency", CV.PublicOrganisation),
    ("local", "local-government", CV.PublicOrganisation),
    ("network of local", "local-government", CV.PublicOrganisation),
    ("public institute", "other-public-body", CV.PublicOrganisation),
    ("public service", "other-public-body", CV.PublicOrganisation),
    ("observatory", "other-public-body", CV.PublicOrganisation),
    ("public-owned consultancy", "private-company", None),
    ("public foundation", "foundation", None),
    ("university", "university", None),
    ("research", "university", None),
    ("civil-society", "civil-society-organisation", None),
]


def org_type_for(free_text: str) -> tuple[str, URIRef | None]:
    lowered = free_text.lower()
    for needle, slug, cls in ORG_TYPE_RULES:
        exact = needle.startswith("=")
        if (lowered == needle[1:]) if exact else (needle in lowered):
            return slug, cls
    raise ValueError(f"no organisation type rule matches {free_text!r}")


# Slugs that would be ambiguous or unreadable if taken from the acronym alone.
ORG_SLUG_OVERRIDES = {
    "Alto Comissariado para as Migrações, I.P.": "acm",
    "Alta Autoridade para a Imigração": "aai",
    "Kenyan Immigration Department": "kenya-immigration-department",
    "EU Delegation to Cabo Verde": "eu-delegation-cabo-verde",
    "European Union": "eu",
    "Société de Conseil et de Service du Ministère de l'Intérieur Français": "civipol",
    "Department for Free Movement and Tourism (ECOWAS Commission)": "ecowas-free-movement-department",
}


def org_slug(row: dict[str, str]) -> str:
    if row["name"] in ORG_SLUG_OVERRIDES:
        return ORG_SLUG_OVERRIDES[row["name"]]
    if len(row["acronym"]) >= 3:
        return slugify(row["acronym"])
    return slugify(row["name"])


def build_organisations() -> Graph:
    graph = new_graph()
    rows = read_csv(REF_SRC / "organisations_in_sources.csv")
    slugs = {row["name"]: org_slug(row) for row in rows}
    if len(set(slugs.values())) != len(slugs):
        raise ValueError("organisation slugs collide")
    for row in rows:
        iri = ID[f"org/{slugs[row['name']]}"]
        type_slug, cls = org_type_for(row["type"])
        graph.add((iri, RDF.type, ORG.Organization))
        if cls is not None:
            graph.add((iri, RDF.type, cls))
        graph.add((iri, RDFS.label, Literal(row["name"], lang=EN)))
        graph.add((iri, SKOS.prefLabel, Literal(row["name"], lang=EN)))
        if row["acronym"] and row["acronym"] != row["name"]:
            graph.add((iri, MC.acronym, Literal(row["acronym"])))
        graph.add((iri, MC.organisationType, ID[f"org-type/{type_slug}"]))
        if row["iati_org_type_suggested"]:
            graph.add((iri, DCTERMS.type, ID[f"code/iati/OrganisationType/{row['iati_org_type_suggested']}"]))
        if row["country"]:
            graph.add((iri, MC.country, ID[f"country/{row['country']}"]))
        if row["part_of"]:
            graph.add((iri, ORG.subOrganizationOf, ID[f"org/{slugs[row['part_of']]}"]))
        if row["wikidata_qid"]:
            graph.add((iri, MC.wikidata, WD[row["wikidata_qid"]]))
        if row["eu_corporate_body"]:
            graph.add((iri, SKOS.exactMatch, EU_CORP[row["eu_corporate_body"]]))
        graph.add((iri, PROV.wasDerivedFrom, REFERENCE_SOURCE))
    return graph


def build_reference_source() -> Graph:
    graph = new_graph()
    graph.add((REFERENCE_SOURCE, RDF.type, MC.SourceDocument))
    graph.add((REFERENCE_SOURCE, RDFS.label, Literal("Reference facts and curated vocabularies", lang=EN)))
    graph.add((REFERENCE_SOURCE, DCTERMS.title, Literal("Reference facts and curated vocabularies", lang=EN)))
    graph.add(
        (
            REFERENCE_SOURCE,
            DCTERMS.description,
            Literal(
                "Country codes, UN M49 regions, IATI and OECD DAC code lists, Global Compact objectives, organisations named in the sources, "
                "and the team's own role, status and theme vocabularies; each CSV row under data/reference-src cites where its fact comes from.",
                lang=EN,
            ),
        )
    )
    graph.add((REFERENCE_SOURCE, MC.fileName, Literal("data/reference-src/*.csv; data/curated-src/*.csv")))
    return graph


def write(graph: Graph, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    text = graph.serialize(format="turtle")
    header = "# GENERATED by scripts/generate_reference.py from data/reference-src and data/curated-src. Do not edit.\n"
    (OUT / name).write_text(header + text, encoding="utf-8")


def main() -> None:
    write(build_vocabularies(), "vocabularies.ttl")
    write(build_themes(), "themes.ttl")
    write(build_codelists(), "codelists.ttl")
    write(build_geography(), "geography.ttl")
    write(build_organisations(), "organisations.ttl")
    write(build_reference_source(), "reference-source.ttl")
    print(f"wrote reference graphs to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
