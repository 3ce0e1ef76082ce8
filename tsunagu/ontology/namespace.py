"""The tsunagu vocabulary as rdflib ``DefinedNamespace`` classes.

Every IRI the package uses is reached through these classes, so a typo in a
term name fails at import time instead of silently minting a new IRI.
"""

from rdflib import Namespace, URIRef
from rdflib.namespace import SDO, DefinedNamespace

__all__ = ["TG", "TGD", "TGA", "ID", "SDO", "entity_iri", "entity_id", "canonical", "canonical_terms"]


class TG(DefinedNamespace):
    """Classes and properties of the tsunagu ontology."""

    _NS = Namespace("https://w3id.org/tsunagu/def#")
    _fail = True

    # --- areas --------------------------------------------------------------
    Area: URIRef
    Nation: URIRef
    Prefecture: URIRef
    Municipality: URIRef
    DesignatedCity: URIRef
    CoreCity: URIRef
    City: URIRef
    SpecialWard: URIRef
    Town: URIRef
    Village: URIRef
    AdministrativeWard: URIRef

    # --- agents, platforms, windows -----------------------------------------
    Agent: URIRef
    Platform: URIRef
    MunicipalPlatform: URIRef
    WideAreaPlatform: URIRef
    PrefecturalPlatform: URIRef
    ExistingBody: URIRef
    ConsultationWindow: URIRef

    Organisation: URIRef
    HelloWork: URIRef
    YouthSupportStation: URIRef
    FamilyAssociation: URIRef
    PeerGroup: URIRef
    NPO: URIRef
    SocialWelfareCorporation: URIRef
    SocialWelfareCouncil: URIRef
    RegionalSupportCentre: URIRef
    RegionalSupportCentreSatellite: URIRef
    SelfRelianceSupportAgency: URIRef
    EmploymentReadinessSupportAgency: URIRef
    HealthCentre: URIRef
    PublicHealthOffice: URIRef
    PrefecturalWelfareHealthOffice: URIRef
    MentalHealthWelfareCentre: URIRef
    WelfareCommissioners: URIRef
    MedicalInstitution: URIRef
    ChamberOfCommerce: URIRef
    EconomicOrganisation: URIRef
    School: URIRef
    Police: URIRef
    FireService: URIRef
    LawOffice: URIRef
    DisabilityEmploymentSupportCentre: URIRef
    CareServiceProvider: URIRef
    ProfessionalAssociation: URIRef
    LabourBureau: URIRef
    MunicipalDepartment: URIRef
    PrefecturalDepartment: URIRef
    PrefecturalWelfareConsultationCentre: URIRef
    ReviewCommittee: URIRef
    MunicipalOffice: URIRef
    WelfareWindow: URIRef
    WelfareOffice: URIRef
    ChildGuidanceCentre: URIRef
    LegalAidCentre: URIRef
    ConsumerAffairsCentre: URIRef
    WomensConsultationCentre: URIRef

    # --- programs, ages, facts, provenance ----------------------------------
    Program: URIRef
    NationalScheme: URIRef
    AgeRange: URIRef
    AgeBand: URIRef
    Duty: URIRef
    DutyStatus: URIRef
    WindowClarified: URIRef
    WindowPublicised: URIRef
    NeedsSurvey: URIRef
    PlatformSetUp: URIRef
    AnnualFigure: URIRef
    SurveyFigure: URIRef
    SourceDocument: URIRef
    SourcePassage: URIRef

    # --- object properties ----------------------------------------------------
    involvedIn: URIRef
    memberOf: URIRef
    secretariatOf: URIRef
    advises: URIRef
    runs: URIRef
    entrustedTo: URIRef
    servesArea: URIRef
    locatedIn: URIRef
    partOfPrefecture: URIRef
    hostedBy: URIRef
    satelliteOf: URIRef
    targetsAge: URIRef
    coversDomain: URIRef
    builtOn: URIRef
    windowOf: URIRef
    underScheme: URIRef
    deliveredByType: URIRef
    typicalDomain: URIRef
    typicalMinAge: URIRef
    typicalMaxAge: URIRef
    operatedBy: URIRef
    ofMunicipality: URIRef
    ofProgram: URIRef
    duty: URIRef
    widerPlatform: URIRef
    municipalityKind: URIRef
    partOfMunicipality: URIRef
    conflict: URIRef
    conflictValue: URIRef

    # --- datatype properties --------------------------------------------------
    code: URIRef
    kana: URIRef
    population: URIRef
    populationAsOf: URIRef
    minAge: URIRef
    maxAge: URIRef
    fulfilled: URIRef
    asOf: URIRef
    since: URIRef
    method: URIRef
    note: URIRef
    subsidyRate: URIRef
    schedule: URIRef
    address: URIRef
    chartRow: URIRef
    fiscalYear: URIRef
    measure: URIRef
    value: URIRef
    total: URIRef
    quote: URIRef
    latitude: URIRef
    longitude: URIRef
    homepage: URIRef
    censusPopulation: URIRef
    censusYear: URIRef
    wardCount: URIRef
    closedDays: URIRef
    accessMethod: URIRef
    accessibility: URIRef
    eligibility: URIRef
    lastChecked: URIRef
    department: URIRef
    unverified: URIRef
    olderSource: URIRef
    placeholder: URIRef
    field: URIRef
    dataset: URIRef
    row: URIRef
    credit: URIRef

    # --- annotations and support roles ----------------------------------------
    hsdsField: URIRef
    supportRole: URIRef
    SupportRoles: URIRef
    DirectSupport: URIRef
    Coordinating: URIRef


class TGD(DefinedNamespace):
    """Support domains and functions: a SKOS concept scheme."""

    _NS = Namespace("https://w3id.org/tsunagu/domain/")
    _fail = True

    SupportDomains: URIRef
    CabinetOfficeDomains: URIRef
    HikikomoriSupportFunctions: URIRef
    correction: URIRef
    health: URIRef
    welfare: URIRef
    employment: URIRef
    education: URIRef
    consultation: URIRef
    safePlace: URIRef
    familySupport: URIRef
    outreach: URIRef
    supporterDispatch: URIRef
    needsSurvey: URIRef
    network: URIRef
    information: URIRef
    ChartColumns: URIRef


class TGA(DefinedNamespace):
    """Age bands (the rows of the 三原市 chart) and the duties, as individuals."""

    _NS = Namespace("https://w3id.org/tsunagu/age/")
    _fail = True

    ChartBands: URIRef
    age0to6: URIRef
    age7to14: URIRef
    age15to17: URIRef
    age18to29: URIRef
    age30to39: URIRef
    age40to49: URIRef
    age50to59: URIRef
    age60to64: URIRef
    age65plus: URIRef
    PolicyBands: URIRef
    age15to39: URIRef
    age40to64: URIRef


ID = Namespace("https://w3id.org/tsunagu/id/")


def entity_iri(entity_id: str) -> URIRef:
    """The IRI of a curated record's id."""
    return ID[entity_id]


def entity_id(iri) -> str:
    """The curated id of an entity IRI (the inverse of :func:`entity_iri`)."""
    text = str(iri)
    if text.startswith(str(ID)):
        return text[len(str(ID)):]
    return text


# One object per vocabulary IRI in this process. ``TG.Town`` or ``RDF.type`` makes a new URIRef each time
# it is read, and two equal IRIs that are different objects compare through rdflib's ``__eq__``, a
# Python call: eleven million of them in a synthetic 10x build's checks and projection, where a
# dictionary look-up by the same object compares nothing.
_CANONICAL: dict = {}


def canonical(term):
    """The one object this process keeps for the IRI ``term`` (the first one it was given); any other
    term as it is. The ontology, the shapes and each build store use these objects.

    >>> from rdflib.namespace import RDF
    >>> canonical(RDF.type) is canonical(RDF.type), canonical(RDF.type) == RDF.type
    (True, True)
    """
    if type(term) is not URIRef:
        return term
    if len(_CANONICAL) >= _MOST:  # a vocabulary is a few hundred terms: an input of made-up predicates stops here
        return _CANONICAL.get(term, term)
    return _CANONICAL.setdefault(term, term)


_MOST = 20_000


def canonical_terms() -> dict:
    """A copy of the IRIs :func:`canonical` keeps, each mapped to itself: what a new store starts from."""
    return dict(_CANONICAL)
