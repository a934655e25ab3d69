"""Vocabularies a small model chooses from, and the concrete nouns that lyrics are read for.

A 270M base model cannot be trusted to write a phrase, but it can rank a handful of options by
likelihood. Every option here is a phrase that reads well on its own and in a composed sentence.
The noun lexicon is how code finds what a camera could film in a lyric line: a word of the
lyrics is an image when it is one of these nouns (singular or plural).
"""

from __future__ import annotations

import re

# Stage 1: the song as a whole. Each genre and mood lists the tagger's tags that support it
# (`mtt:` MagnaTagATune, `msd:` Million Song Dataset, musicnn's two taggers): an option is offered
# only when one of its tags is heard (songflow/listening/tagger.py, the threshold in
# stages/analyze.py); when none is, every option is.
GENRE_TAGS: dict[str, tuple[str, ...]] = {
    "heavy metal": ("msd:metal", "msd:heavy metal", "mtt:metal"),
    "hard rock": ("msd:hard rock", "msd:classic rock", "msd:rock", "mtt:rock", "mtt:guitar", "msd:guitar"),
    "indie rock": ("msd:indie rock", "msd:indie", "msd:alternative rock", "msd:alternative", "mtt:guitar", "msd:guitar"),
    "punk rock": ("msd:punk",),
    "progressive rock": ("msd:Progressive rock",),
    "bright synth-pop": ("msd:pop", "msd:indie pop", "msd:80s", "mtt:synth", "mtt:pop"),
    "dream pop": ("msd:indie pop", "msd:beautiful", "msd:chillout"),
    "electronic dance": ("msd:electronic", "msd:electronica", "msd:dance", "msd:electro", "mtt:electronic", "mtt:dance"),
    "dark techno": ("mtt:techno", "msd:electro"),
    "trance anthem": ("mtt:techno", "msd:dance", "msd:electronica", "mtt:beats"),
    "house music": ("msd:House", "msd:dance"),
    "hip hop": ("msd:Hip-Hop", "msd:rnb", "mtt:beats"),
    "classic soul": ("msd:soul", "msd:funk", "msd:rnb"),
    "smoky jazz": ("msd:jazz",),
    "delta blues": ("msd:blues",),
    "folk ballad": ("msd:folk", "msd:acoustic", "mtt:guitar"),
    "country ballad": ("msd:country", "mtt:country"),
    "piano ballad": ("mtt:piano", "msd:Mellow"),
    "orchestral score": ("mtt:strings", "mtt:violin", "mtt:cello", "mtt:classical", "mtt:harp"),
    "cinematic score": ("mtt:strings", "mtt:classical", "mtt:choir", "msd:instrumental"),
    "classical music": ("mtt:classical", "mtt:classic", "mtt:harpsichord", "mtt:violin", "mtt:cello"),
    "choral music": ("mtt:choir", "mtt:choral", "mtt:opera"),
    "a cappella": ("mtt:choir", "mtt:choral", "mtt:solo"),
    "ambient drone": ("mtt:ambient", "msd:ambient", "msd:chillout", "mtt:new age"),
    "new age": ("mtt:new age", "mtt:ambient", "mtt:flute", "mtt:harp"),
    "raga music": ("mtt:indian", "mtt:sitar"),
    "experimental noise": ("msd:experimental", "mtt:weird"),
}
MOOD_TAGS: dict[str, tuple[str, ...]] = {
    "wistful longing": ("msd:sad", "msd:Mellow", "msd:acoustic", "msd:folk"),
    "euphoric rush": ("msd:party", "msd:dance", "msd:happy", "mtt:dance", "msd:House"),
    "quiet melancholy": ("msd:sad", "mtt:quiet", "mtt:slow", "mtt:soft", "msd:Mellow"),
    "restless hope": ("msd:indie", "msd:alternative", "msd:pop", "msd:electronic", "mtt:synth"),
    "tender warmth": ("msd:Mellow", "msd:acoustic", "msd:beautiful", "mtt:soft"),
    "defiant energy": ("mtt:loud", "msd:punk", "msd:hard rock", "msd:rock", "mtt:rock"),
    "dreamy haze": ("msd:chillout", "msd:chill", "mtt:ambient", "msd:beautiful", "msd:electronica"),
    "bittersweet nostalgia": ("msd:oldies", "msd:60s", "msd:70s", "msd:80s", "msd:Mellow"),
    "triumphant joy": ("msd:happy", "mtt:choir", "msd:catchy"),
    "lonely ache": ("msd:sad", "mtt:slow", "mtt:solo", "mtt:piano"),
    "romantic glow": ("msd:sexy", "msd:soul", "msd:rnb", "msd:beautiful"),
    "nervous tension": ("mtt:weird", "mtt:techno", "msd:experimental", "msd:electro"),
    "serene calm": ("msd:chillout", "msd:easy listening", "mtt:quiet", "mtt:soft", "mtt:new age", "mtt:ambient"),
    "playful mischief": ("msd:happy", "msd:catchy", "mtt:weird"),
    "haunting sorrow": ("msd:sad", "mtt:choir", "mtt:strings", "mtt:slow", "mtt:opera"),
    "fierce anger": ("msd:metal", "msd:heavy metal", "mtt:metal", "msd:hard rock", "mtt:loud"),
    "carefree joy": ("msd:happy", "msd:catchy", "msd:party", "mtt:pop"),
    "dark menace": ("msd:metal", "msd:heavy metal", "mtt:metal", "mtt:weird", "mtt:techno"),
    "epic grandeur": ("mtt:strings", "mtt:choir", "mtt:classical", "mtt:violin", "mtt:choral"),
}
MOODS = tuple(MOOD_TAGS)
GENRES = tuple(GENRE_TAGS)
# Instruments and voices a tagger hears, as the note of a section ("guitar-driven") and as an
# image the video can show.
INSTRUMENT_TAGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "guitar": ("an electric guitar", ("mtt:guitar", "msd:guitar")),
    "piano": ("a grand piano", ("mtt:piano",)),
    "string": ("a string section", ("mtt:strings", "mtt:violin", "mtt:cello")),
    "drum": ("a drum kit", ("mtt:drums",)),
    "synth": ("a synthesizer", ("mtt:synth",)),
    "flute": ("a silver flute", ("mtt:flute",)),
    "harp": ("a golden harp", ("mtt:harp",)),
    "harpsichord": ("a harpsichord", ("mtt:harpsichord",)),
    "sitar": ("a sitar", ("mtt:sitar",)),
    "choir": ("a choir", ("mtt:choir", "mtt:choral")),
}
THEMES = (
    "lost love", "young love", "summer nights", "running away", "city lights", "the open sea",
    "coming home", "growing up", "letting go", "holding on tight", "dancing till dawn", "a long road",
    "broken hearts", "new beginnings", "old memories", "freedom and escape", "being alone",
    "old friendship", "faith and doubt", "the passing of time", "quiet rebellion", "wild nature",
)
# What one section feels like, for its note, and the section energies (0..1) each fits: no "calm"
# for a section at full tilt, no "soaring" for a whisper.
FEELING_ENERGY: dict[str, tuple[float, float]] = {
    "calm": (0.0, 0.7), "rising": (0.2, 1.0), "soaring": (0.45, 1.0), "driving": (0.45, 1.0),
    "tender": (0.0, 0.7), "fading": (0.0, 0.7), "brooding": (0.0, 1.0), "bright": (0.0, 1.0),
}
FEELINGS = tuple(FEELING_ENERGY)


def feelings_for(energy: float) -> list[str]:
    """The feelings a section at `energy` may have."""
    return [f for f, (lo, hi) in FEELING_ENERGY.items() if lo <= energy < hi or (hi == 1.0 and energy >= lo)]

# Stage 2: the style bible and each scene.
MEDIA = (
    "grainy 35mm film photograph", "cinematic digital still", "watercolour painting", "oil painting",
    "flat vector illustration", "neon synthwave artwork", "black and white photograph",
    "anime-style illustration", "soft pastel illustration", "double-exposure photograph",
)
LIGHTS = (
    "golden hour sunlight", "soft morning light", "harsh noon sun", "blue hour twilight",
    "neon glow", "pale moonlight", "streetlight glow", "warm candlelight", "overcast daylight",
    "hazy backlight", "flickering firelight", "flashing strobe light",
)
# Keyed by one word each: the model ranks the words, the phrase goes into the setting.
TIMES = {
    "dawn": "at dawn", "morning": "in the morning", "noon": "at noon", "afternoon": "in the afternoon",
    "sunset": "at sunset", "dusk": "at dusk", "night": "at night", "midnight": "at midnight",
}
WEATHER = {
    "clear": "under a clear sky", "drizzle": "in light rain", "downpour": "in heavy rain", "fog": "in thick fog",
    "snow": "in falling snow", "wind": "in the wind", "storm": "under storm clouds", "haze": "in summer haze",
}

# Stage 3: each shot.
SHOT_SIZES = (
    "extreme wide shot", "wide shot", "medium shot", "medium close-up", "close-up shot",
    "extreme close-up", "low-angle shot", "high-angle shot", "aerial shot",
)
LENSES = ("16mm wide-angle lens", "24mm lens", "35mm lens", "50mm lens", "85mm portrait lens", "135mm telephoto lens")
# Where the subject sits, by shot size (schemas.shots.Composition).
COMPOSITION_FOR = {
    "extreme wide shot": "wide", "wide shot": "low_horizon", "medium shot": "left_third",
    "medium close-up": "right_third", "close-up shot": "close_up", "extreme close-up": "close_up",
    "low-angle shot": "high_horizon", "high-angle shot": "low_horizon", "aerial shot": "wide",
}

# Settings for a scene whose lyrics name no place (or a song with no lyrics).
PLACES_GENERIC = (
    "a city street", "a beach", "a rooftop", "a forest", "a desert road", "a train station",
    "a wheat field", "a lake shore", "a highway", "a bedroom", "a dance floor", "a harbour",
    "a mountain ridge", "an empty diner", "a bridge", "a subway car", "a garden", "a parking lot",
)
# Subjects for a scene whose lyrics name nothing to film.
SUBJECTS_GENERIC = (
    "a lone figure", "a young couple", "a dancer", "a singer", "a stranger", "a child",
    "a vintage car", "a paper lantern", "a bicycle", "a white horse", "a flock of birds", "an old radio",
)

# A recurring lead for a sung video, and the fixed look every shot repeats (a model that chooses
# picks one of each, scored by the one-word keys; the song's own people come first).
LEADS = {"singer": "the singer", "dancer": "the dancer", "stranger": "the stranger", "woman": "the young woman", "man": "the young man", "drifter": "the drifter"}
HAIR = {
    "black": "short black hair", "auburn": "long auburn hair", "silver": "a silver buzz cut", "curly": "curly dark hair",
    "blonde": "a blonde bob", "braided": "long braided hair", "brown": "tousled brown hair",
}
OUTFITS = {
    "red": "a long red coat", "white": "a white shirt and dark jeans", "yellow": "a yellow raincoat", "leather": "a black leather jacket",
    "denim": "a blue denim jacket", "green": "a flowing green dress", "grey": "a grey hoodie", "suit": "a vintage brown suit",
}

# Concrete nouns, by kind. Places become settings; people and things become subjects.
PLACE_NOUNS = frozenset("""
bay beach shore coast sea ocean harbour harbor pier river lake pool island city town street streets
road highway avenue alley boulevard bridge rooftop roof tower skyline downtown station platform
train subway field fields meadow forest woods garden park desert canyon valley mountain mountains
hill hills cliff cave church chapel room bedroom kitchen hallway house home club bar diner motel
hotel airport stadium market square village farm barn prairie jungle lagoon waterfall dunes
sky heaven space
""".split())
PEOPLE_NOUNS = frozenset("""
girl boy man woman lover lovers baby child children kid kids friend friends stranger strangers
dancer dancers singer crowd mother father sister brother king queen angel angels ghost ghosts
soldier driver sailor queen bride groom
""".split())
THING_NOUNS = frozenset("""
streetlight streetlights light lights neon radio wave waves tide salt spray sun stars star
moonlight sunlight fire flame flames smoke rain snow storm wind thunder lightning cloud clouds
car cars truck train bus boat ship sail bicycle motorcycle plane window windows door mirror phone
letter letters photograph photo picture candle candles lantern lamp guitar piano drum drums dress
shoes jacket ring rose roses flower flowers tree trees leaf leaves bird birds horse dog cat wolf
butterfly heart hand hands eyes face lips hair tears blood bottle glass wine cigarette key keys
clock map money gold diamond crown sword gun knife bed sheets book page pages song record
records vinyl headlights engine wheel wheels river water ice glitter dust sand stone stones
rock rocks bell bells flag feather feathers mask balloon balloons kite firework fireworks
moon dawn sunset sunrise twilight midnight summer winter autumn spring
""".split())
NOUNS = PLACE_NOUNS | PEOPLE_NOUNS | THING_NOUNS

STOPWORDS = frozenset("""
a an the and or but if of in on at to for from by with into onto over under across through up
down out off about as is are was were be been being am do does did done have has had i you he
she it we they me him her us them my your his its our their this that these those there here
what which who whom whose when where why how all any each every no not nor so than too very
just can will would should could may might must shall let lets dont don't won't can't im i'm
oh ooh yeah la na hey
""".split())

WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def words(text: str) -> list[str]:
    """Lower-case words of letters (apostrophes and hyphens kept inside a word)."""
    return [w.lower().strip("'-") for w in WORD.findall(text)]


def content_words(text: str) -> set[str]:
    """Words that carry meaning: not stopwords, singular form where the lexicon has one."""
    return {singular(w) for w in words(text) if w not in STOPWORDS and len(w) > 2}


def singular(word: str) -> str:
    """`word` without a plural -s when the lexicon knows the singular (streetlights -> streetlight)."""
    for cut in ("es", "s"):
        if word.endswith(cut) and word[: -len(cut)] in NOUNS:
            return word[: -len(cut)]
    return word


def lyric_nouns(text: str) -> list[str]:
    """The concrete nouns of `text` in order of first appearance, as written (plural kept)."""
    seen: dict[str, str] = {}
    for w in words(text):
        if w in NOUNS and singular(w) not in seen:
            seen[singular(w)] = w
    return list(seen.values())


def noun_kind(noun: str) -> str:
    """'place', 'person' or 'thing'."""
    if noun in PLACE_NOUNS or singular(noun) in PLACE_NOUNS:
        return "place"
    if noun in PEOPLE_NOUNS or singular(noun) in PEOPLE_NOUNS:
        return "person"
    return "thing"


def with_article(noun: str) -> str:
    """'the bay', 'the streetlights': a noun of the lyrics as a phrase."""
    return f"the {noun}"


def section_roles(sections: list[tuple[bool, float]]) -> list[str]:
    """A name per section from (sung, energy): the loudest sung part is the chorus, other sung parts
    verses; unsung parts are the intro (first), the outro (last) or a break."""
    sung_energy = [e for sung, e in sections if sung]
    peak = max(sung_energy) if sung_energy else None
    roles = []
    for i, (sung, energy) in enumerate(sections):
        if sung:
            roles.append("chorus" if len(sung_energy) > 1 and energy >= peak - 0.05 else "verse")
        elif i == 0:
            roles.append("intro")
        elif i == len(sections) - 1:
            roles.append("outro")
        else:
            roles.append("break")
    return roles


def loudness_word(energy: float) -> str:
    return "quiet" if energy < 0.45 else "building" if energy < 0.8 else "loud"


# Who a lip-sync shot shows: a subject or a character named or described as singing.
SINGING = frozenset(
    "singer singers singing sings sing vocalist vocalists frontman frontwoman frontmen crooner crooning rapper rapping "
    "diva chorister choir chanteuse balladeer serenading microphone mic".split()
)


def names_a_singer(text: str) -> bool:
    """Whether `text` (a subject, a character's name or look) names someone singing."""
    return any(w in SINGING for w in words(text))
