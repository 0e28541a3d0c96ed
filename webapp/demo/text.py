"""Sentences for synthetic free-text answers about suksesskriterier og gode grep (demo only)."""

from __future__ import annotations

import random

# Written in the voice of skoleeiere, rektorer, tillitsvalgte and UH staff, drawing on the
# success criteria in the evaluation note (ch. 4.2). Each sentence leans on one or two themes.
SENTENCES = [
    "Det viktigste var at hele personalet var med fra starten, ikke bare noen få ildsjeler.",
    "Alle lærerne deltok, og vi brukte fellestiden til å jobbe sammen om tiltaket.",
    "Tiltaket bygde på en grundig behovsanalyse på hver skole, så lærerne kjente seg igjen.",
    "Lærerne fikk selv være med og bestemme hva vi skulle jobbe med, det ga eierskap.",
    "Samarbeidet med høgskolen ga oss faglig påfyll vi ikke hadde klart alene.",
    "Fagpersoner fra universitetet kom ut på skolene og veiledet i klasserommet.",
    "Det var praksisnært: vi prøvde ut opplegg i egne klasser mellom samlingene.",
    "Mellomarbeidet på skolen mellom samlingene var avgjørende for at noe endret seg i undervisningen.",
    "Rektor fulgte tett opp og satte av tid på planleggingsdagene.",
    "God prosessledelse fra skoleledelsen gjorde at arbeidet ikke stoppet opp.",
    "Vi lærte opp ressurslærere som ledet arbeidet i sine team.",
    "Ressurspersonene på hver skole har vært nøkkelen, de driver utviklingsarbeidet videre.",
    "Det ble satt av tid i arbeidsplanen, slik at lærerne ikke måtte gjøre dette i tillegg til alt annet.",
    "Uten avsatt tid hadde vi ikke fått det til.",
    "Regionale samlinger der skolene delte erfaringer med hverandre ga mye.",
    "Nettverket mellom skolene i kommunen gjorde at vi lærte av hverandre.",
    "Tiltaket var forskningsbasert, og vi leste teori sammen før vi prøvde ut i praksis.",
    "Det var nyttig å knytte arbeidet til forskning på lesing og inkluderende praksis.",
    "Tiltaket hang godt sammen med kommunens plan og andre satsinger vi allerede hadde.",
    "At satsingen går over flere år gjør at vi kan bygge videre i stedet for å begynne på nytt.",
    "Tillitsvalgte var med i planleggingen, og det skapte trygghet i personalet.",
    "Det var for lite tid til oppfølging, og noen skoler falt fra underveis.",
    "Vi burde involvert lærerne tidligere i behovskartleggingen.",
    "Dialogen med UH var god, men vi opplevde av og til at de kom med ferdige pakker.",
    "Felles forståelse av målene mellom skoleeier og høgskole tok tid å bygge.",
    "Kollektiv kompetanseutvikling for hele personalet var mer nyttig enn enkeltkurs.",
    "Veiledning i profesjonsfellesskapet og observasjon av hverandres undervisning fungerte godt.",
    "Vi brukte ildsjeler som drivkraft, men sørget for at alle ble dratt med.",
    "Korte avstander mellom planlegging og gjennomføring gjorde at vi kunne justere underveis.",
    "Det var avgjørende at skolelederne selv deltok på samlingene sammen med lærerne.",
]
NYNORSK = [
    "Det viktigaste var at heile personalet var med, og at vi fekk tid til å arbeide saman.",
    "Samarbeidet med høgskulen gav oss fagleg påfyll, og tiltaket var nært knytt til praksis.",
    "Rektor leia prosessen godt, og ressurslærarane dreiv arbeidet vidare på skulen.",
]


def free_text(rng: random.Random) -> str:
    """A plausible answer of one to three sentences; sometimes nynorsk, sometimes very short."""
    if rng.random() < 0.08:
        return rng.choice(NYNORSK)
    if rng.random() < 0.05:
        return rng.choice(["Vet ikke.", "Ingen kommentar", "Godt samarbeid!", "Tid, tid og tid 🙂"])
    n = rng.choice([1, 1, 2, 2, 2, 3])
    return " ".join(rng.sample(SENTENCES, n))
