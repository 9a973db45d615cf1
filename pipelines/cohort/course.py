"""The AI4T MOOC as FUN runs it: five language runs of one course, plus a webinar course with no structure file."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

LMS_ROOT = "https://lms.fun-mooc.fr"
RUN = "2023_T1"
COURSE_START = date(2023, 1, 9)
COURSE_END = date(2023, 3, 31)
LANGUAGES = ("fr", "en", "it", "sl", "de")

# Fixed seed: the course is the same whatever cohort is simulated on it, so structure files of two cohorts agree.
_STRUCTURE_SEED = "AI4T/2023_T1/structure"

_COURSE_TITLE = {
    "fr": "L'IA pour et par les enseignants",
    "en": "AI for and by Teachers",
    "it": "L'IA per e con gli insegnanti",
    "sl": "Umetna inteligenca za učitelje in z njimi",
    "de": "KI für und mit Lehrkräften",
}
_MODULE_TITLES = {
    "fr": ("Comprendre l'IA", "L'IA dans l'éducation", "Enseigner avec des outils d'IA",
           "Éthique et avenir de l'IA à l'école"),
    "en": ("Understanding AI", "AI in education", "Teaching with AI tools", "Ethics and the future of AI in schools"),
    "it": ("Capire l'IA", "L'IA nell'istruzione", "Insegnare con strumenti di IA", "Etica e futuro dell'IA a scuola"),
    "sl": ("Razumevanje UI", "UI v izobraževanju", "Poučevanje z orodji UI", "Etika in prihodnost UI v šoli"),
    "de": ("KI verstehen", "KI in der Bildung", "Unterrichten mit KI-Werkzeugen",
           "Ethik und Zukunft der KI in der Schule"),
}
# Labels of the item kinds: video, problem, required reading, optional reading.
_ITEM_LABELS = {
    "fr": ("Vidéo", "Quiz", "Lecture", "Pour aller plus loin"),
    "en": ("Video", "Quiz", "Reading", "Going further"),
    "it": ("Video", "Quiz", "Lettura", "Per approfondire"),
    "sl": ("Video", "Kviz", "Branje", "Za radovedne"),
    "de": ("Video", "Quiz", "Lektüre", "Zum Weiterlesen"),
}
# Problem prompts as ERB puts them in the interaction's description (always under "en-US", as in the fixtures).
_PROMPTS = (
    ("Which of these tasks is an example of machine learning?",
     "In your own words, explain what a training data set is."),
    ("Which of these uses of AI supports formative assessment?",
     "Describe one situation in your teaching where AI could help a pupil."),
    ("Which tool would you use to generate a first draft of a lesson plan?",
     "Write the prompt you would give a chatbot to prepare an exercise for your class."),
    ("Which of these practices protects pupils' personal data?",
     "What rule would you set for your pupils' use of generative AI, and why?"),
)
# Order of the items in every module: (kind, required, label index, interaction type of a problem).
_MODULE_PLAN = (
    ("page", True, 2, None),
    ("video", True, 0, None),
    ("video", True, 0, None),
    ("problem", True, 1, "choice"),
    ("video", True, 0, None),
    ("problem", True, 1, "long-fill-in"),
    ("page", False, 3, None),
)
# The last module, "going further", has no required item: the contract's rule for such a module (complete once any
# of its items is) applies to it. Its title is the optional reading's label.
_BONUS_PLAN = (
    ("video", False, 0, None),
    ("page", False, 3, None),
    ("page", False, 3, None),
)
# (module position, video number) of the video hosted outside the LMS: the structure export has no length for it,
# while the player still reports one in every statement.
_UNTIMED_VIDEO = (2, 2)
_BLOCK_TYPE = {"video": "video", "problem": "problem", "page": "html"}


@dataclass(frozen=True)
class Item:
    id: str
    type: str  # "video" | "problem" | "page"
    required: bool
    title: str
    video_length_s: int | None  # what the structure file says; None for a video the export gives no length
    interaction_type: str | None  # problems only; goes into statements, not into the structure file
    prompt: str | None
    duration_s: int | None = None  # videos: the real length, which the simulated learner watches
    length_in_context: bool = True  # videos: whether the player reports the length (context `length` extension)


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    position: int
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Course:
    course_id: str
    language: str
    title: str
    start: date
    end: date
    modules: tuple[Module, ...]

    def to_structure(self) -> dict:
        """The course in the contract's course-structure format (JSON-ready)."""
        return {
            "course_id": self.course_id,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "language": self.language,
            "modules": [
                {
                    "id": m.id,
                    "title": m.title,
                    "position": m.position,
                    "items": [
                        {"id": i.id, "type": i.type, "required": i.required, "title": i.title,
                         "video_length_s": i.video_length_s}
                        for i in m.items
                    ],
                }
                for m in self.modules
            ],
        }


def _block_id(rng: random.Random, key: str, block_type: str) -> str:
    block = f"{key.removeprefix('course-v1:')}+type@{block_type}+block@{rng.getrandbits(128):032x}"
    return f"{LMS_ROOT}/xblock/block-v1:{block}"


def _language_run(rng: random.Random, lang: str) -> Course:
    key = f"course-v1:AI4T+{lang.upper()}+{RUN}"
    labels = _ITEM_LABELS[lang]
    modules = []
    plans = [(title, _MODULE_PLAN) for title in _MODULE_TITLES[lang]] + [(labels[3], _BONUS_PLAN)]
    for position, (module_title, plan) in enumerate(plans, start=1):
        items = []
        seen: dict[int, int] = {}
        for kind, required, label_index, interaction in plan:
            seen[label_index] = seen.get(label_index, 0) + 1
            prompt = _PROMPTS[position - 1][0 if interaction == "choice" else 1] if kind == "problem" else None
            duration = rng.randint(180, 720) if kind == "video" else None
            items.append(Item(
                id=_block_id(rng, key, _BLOCK_TYPE[kind]),
                type=kind,
                required=required,
                title=f"{labels[label_index]} {position}.{seen[label_index]}",
                video_length_s=None if kind == "video" and (position, seen[0]) == _UNTIMED_VIDEO else duration,
                interaction_type=interaction,
                prompt=prompt,
                duration_s=duration,
            ))
        modules.append(Module(_block_id(rng, key, "chapter"), f"{position}. {module_title}", position, tuple(items)))
    return Course(f"{LMS_ROOT}/course/{key}", lang, _COURSE_TITLE[lang], COURSE_START, COURSE_END, tuple(modules))


def ai4t_courses() -> tuple[Course, ...]:
    """The five language runs, in LANGUAGES order; identical on every call."""
    rng = random.Random(_STRUCTURE_SEED)
    return tuple(_language_run(rng, lang) for lang in LANGUAGES)


def webinar_course() -> Course:
    """The live-webinar course: learners navigate it and watch a recording whose player reports no length, but the
    LMS export has no structure for it."""
    rng = random.Random(_STRUCTURE_SEED + "/webinar")
    key = "course-v1:AI4T+WEBINAR+2023"
    pages = tuple(
        Item(_block_id(rng, key, "html"), "page", False, f"Webinar {n} replay", None, None, None) for n in (1, 2, 3)
    )
    module_id = _block_id(rng, key, "chapter")
    recording = Item(_block_id(rng, key, "video"), "video", False, "Webinar 1 recording", None, None, None,
                     duration_s=3000, length_in_context=False)
    module = Module(module_id, "AI4T live webinars", 1, pages + (recording,))
    return Course(f"{LMS_ROOT}/course/{key}", "en", "AI4T webinars", COURSE_START, COURSE_END, (module,))


def structure(courses: tuple[Course, ...]) -> list[dict]:
    """The course-structure file's content."""
    return [c.to_structure() for c in courses]
