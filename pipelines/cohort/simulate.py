"""The simulated AI4T cohort: people, schools and RCT arms, what they do in the MOOC and the handbook, the bad input an
LRS export carries, and the ground truth of every line emitted."""

from __future__ import annotations

import copy
import itertools
import json
import math
import random
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Literal, NamedTuple
from zoneinfo import ZoneInfo

from pipelines.cohort import statements as st
from pipelines.cohort.course import (
    COURSE_END, COURSE_START, LANGUAGES, LMS_ROOT, Course, Item, Module, ai4t_courses, structure, webinar_course,
)

PARIS = ZoneInfo("Europe/Paris")
HANDBOOK_ROOT = "https://handbook.ai4t.eu"
ANONYMOUS_HOMEPAGE = "https://handbook.example.org/anonymous"

Fate = Literal["counted", "invalid", "duplicate", "voided", "voiding"]


@dataclass(frozen=True)
class Learner:
    account_home_page: str
    account_name: str
    email: str
    full_name: str
    school_code: str | None
    arm: Literal["treatment", "control"] | None
    language: str


@dataclass(frozen=True)
class Teacher:
    full_name: str
    email: str
    fun_username: str | None  # None when the teacher did not take the MOOC


@dataclass(frozen=True)
class School:
    code: str
    name: str
    country: str
    arm: Literal["treatment", "control"]
    teachers: tuple[Teacher, ...]


@dataclass(frozen=True)
class TruthStatement:
    """What the generator emitted on one line and what should become of it. Fields an invalid line does not yield
    (e.g. anything of a truncated line, the timestamp of "last tuesday") are None."""

    source: Literal["mooc", "handbook"]
    file: str
    line: int
    statement_id: str | None
    account: tuple[str, str] | None
    verb_id: str | None
    object_id: str | None
    object_type: str | None
    course_id: str | None
    timestamp: datetime | None
    result_success: bool | None
    result_score_scaled: float | None
    has_result: bool
    fate: Fate
    stored: datetime | None = None
    video_time: float | None = None  # result extension `time` of the xAPI video profile
    video_time_from: float | None = None  # result extension `time-from`
    video_length: float | None = None  # context extension `length`


@dataclass(frozen=True)
class Cohort:
    structure: list[dict]
    learners: list[Learner]
    statements: list[TruthStatement]
    schools: list[School]
    files: dict[str, list[str]]  # relative path -> its lines (no newline), in TruthStatement order


# ---------------------------------------------------------------------------------------------------------- people

_LANGUAGE_MIX = {"fr": 0.40, "en": 0.25, "it": 0.15, "sl": 0.10, "de": 0.10}
# AI4T's partner countries, and the language run their teachers take.
_COUNTRY_LANGUAGE = {"FR": "fr", "IE": "en", "IT": "it", "SI": "sl", "LU": "de"}
_COUNTRY_MIX = {"FR": 0.40, "IE": 0.25, "IT": 0.15, "SI": 0.10, "LU": 0.10}

_NAMES = {
    "fr": (("Marie", "Camille", "Julien", "Nicolas", "Sophie", "Élodie", "Thomas", "Nathalie", "Hélène", "François",
            "Aurélie", "Mathieu", "Céline", "Sébastien", "Claire", "Jérôme", "Isabelle", "Stéphane", "Léa", "Benoît"),
           ("Dupont", "Martin", "Bernard", "Lefèvre", "Moreau", "Garnier", "Rousseau", "Fontaine", "Chevalier",
            "Girard", "Lambert", "Bonnet", "Faure", "Mercier", "Blanc", "Guérin", "Boyer", "Roux", "Perrin", "Morel")),
    "en": (("Aoife", "Siobhán", "Ciarán", "Seán", "Niamh", "Conor", "Róisín", "Patrick", "Mary", "Declan", "Orla",
            "Eoin", "Gráinne", "Liam", "Catherine", "Fiona", "Brendan", "Sinéad", "Michael", "Emma"),
           ("Murphy", "Kelly", "O'Sullivan", "Walsh", "Byrne", "Ryan", "O'Brien", "Doyle", "McCarthy", "Gallagher",
            "O'Connor", "Kennedy", "Lynch", "Murray", "Quinn", "Moore", "McLoughlin", "Brennan", "Fitzgerald",
            "Nolan")),
    "it": (("Giulia", "Francesca", "Alessandro", "Marco", "Chiara", "Luca", "Elena", "Giovanni", "Sara", "Matteo",
            "Valentina", "Andrea", "Federica", "Paolo", "Silvia", "Davide", "Martina", "Roberto", "Laura", "Niccolò"),
           ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
            "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti")),
    "sl": (("Maja", "Nina", "Luka", "Žiga", "Ana", "Matej", "Eva", "Jure", "Katja", "Tadej", "Špela", "Rok", "Urška",
            "Nejc", "Tjaša", "Gregor", "Mojca", "Primož", "Petra", "Aljaž"),
           ("Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik", "Kovač", "Mlakar", "Kos", "Vidmar",
            "Golob", "Turk", "Božič", "Kralj", "Korošec", "Zupan", "Bizjak", "Hribar", "Kotnik", "Rozman")),
    "de": (("Anna", "Lena", "Lukas", "Jonas", "Sophie", "Maximilian", "Laura", "Felix", "Julia", "Paul", "Sarah",
            "Tim", "Claudia", "Michel", "Jessica", "Tom", "Carole", "Gilles", "Nadine", "Jörg"),
           ("Müller", "Schmit", "Weber", "Wagner", "Hoffmann", "Schneider", "Becker", "Klein", "Meyer", "Thill",
            "Reuter", "Hansen", "Kremer", "Schröder", "Fischer", "Weis", "Majerus", "Koch", "Wolff", "Braun")),
}
_EMAIL_DOMAINS = {
    "fr": ("gmail.com", "orange.fr", "laposte.net", "free.fr", "ac-paris.fr", "ac-lyon.fr", "ac-versailles.fr"),
    "en": ("gmail.com", "eircom.net", "outlook.com", "hotmail.com", "education.ie"),
    "it": ("gmail.com", "libero.it", "posta.istruzione.it", "yahoo.it"),
    "sl": ("gmail.com", "siol.net", "guest.arnes.si"),
    "de": ("gmail.com", "web.de", "gmx.de", "education.lu", "pt.lu"),
}
# Per country: school kinds (name, code part), patrons, cities (name, code part), name and code templates.
_SCHOOL_STYLES = {
    "FR": ((("Collège", ""), ("Lycée", ""), ("École élémentaire", "")),
           ("Jean Moulin", "Victor Hugo", "Marie Curie", "Jules Ferry", "Louise Michel", "Simone Veil", "Jean Jaurès"),
           (("Paris", "075"), ("Lyon", "069"), ("Lille", "059"), ("Rennes", "035"), ("Toulouse", "031"),
            ("Créteil", "094"), ("Nantes", "044"), ("Bordeaux", "033")),
           "{kind} {patron}, {city}", "FR-{city_code}{n4}{letter}"),
    "IE": ((("St. Mary's College", ""), ("Scoil Mhuire", ""), ("Coláiste Íde", ""),
            ("St. Patrick's National School", ""), ("Presentation Secondary School", ""), ("Gaelscoil na Mara", "")),
           ("",),
           (("Dublin", ""), ("Cork", ""), ("Galway", ""), ("Limerick", ""), ("Waterford", "")),
           "{kind}, {city}", "IE-{n5}{letter}"),
    "IT": ((("Istituto Comprensivo", "IC"), ("Liceo Scientifico", "PS"), ("Istituto Tecnico", "TF")),
           ("Leonardo da Vinci", "Galileo Galilei", "Maria Montessori", "Dante Alighieri", "Enrico Fermi"),
           (("Roma", "RM"), ("Milano", "MI"), ("Torino", "TO"), ("Napoli", "NA"), ("Bologna", "BO"),
            ("Firenze", "FI")),
           "{kind} {patron}, {city}", "IT-{city_code}{kind_code}{n5}{letter}"),
    "SI": ((("Osnovna šola", ""), ("Srednja šola", "")),
           ("Prežihovega Voranca", "Toneta Čufarja", "Franceta Prešerna", "Ivana Cankarja"),
           (("Ljubljana", ""), ("Maribor", ""), ("Celje", ""), ("Kranj", ""), ("Koper", "")),
           "{kind} {patron}, {city}", "SI-{n4}"),
    "LU": ((("Lycée", ""), ("École fondamentale", "")),
           ("Michel Rodange", "Hubert Clément", "Robert Schuman", "Aline Mayrisch"),
           (("Luxembourg", ""), ("Esch-sur-Alzette", ""), ("Differdange", ""), ("Dudelange", ""), ("Ettelbruck", "")),
           "{kind} {patron}, {city}", "LU-{n4}"),
}
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _weighted(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(tuple(mix), weights=tuple(mix.values()))[0]


def _ascii_slug(text: str) -> str:
    """How FUN usernames and e-mail local parts spell a name: lower-case ASCII letters only."""
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


class _People:
    """Draws people with realistic, unique FUN usernames and e-mail addresses."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.usernames: set[str] = set()
        self.emails: set[str] = set()

    def _unique(self, taken: set[str], candidate: str, suffix_template: str) -> str:
        while candidate in taken:
            candidate = suffix_template.format(self.rng.randint(1, 999))
        taken.add(candidate)
        return candidate

    def draw(self, language: str) -> tuple[str, str, str]:
        """(full name, FUN username, e-mail address)."""
        rng = self.rng
        firsts, lasts = _NAMES[language]
        first, last = rng.choice(firsts), rng.choice(lasts)
        f, l = _ascii_slug(first), _ascii_slug(last)
        username = rng.choice((f"{f}.{l}{rng.randint(1, 99)}", f"{f}.{l}", f"{f[0]}{l}{rng.randint(1, 99)}",
                               f"{f}{l}{rng.randint(70, 99)}", f"{f}_{l}"))
        username = self._unique(self.usernames, username, f"{f}.{l}{{}}")
        domain = rng.choice(_EMAIL_DOMAINS[language])
        email = self._unique(self.emails, f"{f}.{l}@{domain}", f"{f}.{l}{{}}@{domain}")
        return f"{first} {last}", username, email


def _school_identity(rng: random.Random, country: str, taken: set[str]) -> tuple[str, str]:
    """(name, code) of a school, its code in the country's national format."""
    kinds, patrons, cities, name_template, code_template = _SCHOOL_STYLES[country]
    (kind, kind_code), patron, (city, city_code) = rng.choice(kinds), rng.choice(patrons), rng.choice(cities)
    code = ""
    while not code or code in taken:
        code = code_template.format(city_code=city_code, kind_code=kind_code, n4=f"{rng.randint(0, 9999):04d}",
                                    n5=f"{rng.randint(0, 99999):05d}", letter=rng.choice(_LETTERS))
    taken.add(code)
    return name_template.format(kind=kind, patron=patron, city=city), code


def _schools_and_learners(rng: random.Random, n_learners: int) -> tuple[list[School], list[Learner]]:
    """RCT schools with their teachers, and the MOOC's learners: the teachers who took it plus learners outside the
    RCT. Treatment teachers were asked to take the MOOC, control teachers rarely found it by themselves."""
    people = _People(rng)
    n_schools = max(2, round(n_learners / 25))
    countries = [_weighted(rng, _COUNTRY_MIX) for _ in range(n_schools)]
    arms = ["treatment" if i % 2 == 0 else "control" for i in range(n_schools)]
    rng.shuffle(arms)
    schools, learners, codes = [], [], set()
    for country, arm in zip(countries, arms):
        name, code = _school_identity(rng, country, codes)
        language = _COUNTRY_LANGUAGE[country]
        teachers = []
        for _ in range(rng.randint(4, 8)):
            full_name, username, email = people.draw(language)
            takes_mooc = len(learners) < n_learners and rng.random() < (0.85 if arm == "treatment" else 0.08)
            teachers.append(Teacher(full_name, email, username if takes_mooc else None))
            if takes_mooc:
                learners.append(Learner(LMS_ROOT, username, email, full_name, code, arm, language))
        schools.append(School(code, name, country, arm, tuple(teachers)))
    while len(learners) < n_learners:
        language = _weighted(rng, _LANGUAGE_MIX)
        full_name, username, email = people.draw(language)
        learners.append(Learner(LMS_ROOT, username, email, full_name, None, None, language))
    rng.shuffle(learners)
    return schools, learners


# ------------------------------------------------------------------------------------------------------- behaviour

class _Emitted(NamedTuple):
    ts: datetime
    stored: datetime | None
    statement: dict


@dataclass(frozen=True)
class _Profile:
    """How a learner behaves in one enrolment."""

    p_start: float  # starts the course at all
    p_next: float  # goes on to the next module
    ability: float  # chance of each problem point
    first_name: str
    school_name: str | None


_PROFILES = {"treatment": (0.85, 0.88), "control": (0.60, 0.78), None: (0.62, 0.80)}
_SECOND_RUN = (0.50, 0.70)
_SKIP_REQUIRED = 0.025  # a required item left out, so its module stays incomplete
_READ_OPTIONAL = 0.45
_NO_REGISTERED = 0.02  # enrolled before the export began: activity without a `registered`
_REREGISTER = 0.3  # of those who unregister: registered again a few days later
# What a video player does besides play and pause, each a rule of the watched-segments metric:
_NO_POSITION = 0.03  # the first `played` has no position: its segment cannot be placed
_SEEK_WHILE_PLAYING = 0.12  # of interruptions: the playhead dragged while playing, the seek closes the segment
_RELOAD = 0.04  # of interruptions: the page reloaded while playing (`initialized` again), the segment is lost
_BREAK = 0.02  # of pauses: a break of exactly 1,800 s or 1,801 s before the next statement
_TAB_CLOSED = 0.15  # of partial views: the tab closed while playing, nothing closes the last segment
_OVERSHOOT = 0.25  # of full views: the player's last position a little past the video's length
_PASS_PERCENT = 70
_RESPONSES = {
    "fr": ("Je demanderais à mes élèves de comparer la réponse du chatbot avec le manuel.",
           "Ce sont les exemples à partir desquels la machine apprend.",
           "Dans ma classe au {school}, l'IA pourrait aider les élèves dyslexiques.",
           "Moi, {first}, je vérifierais toujours les sources avec eux."),
    "en": ("I would ask my pupils to compare the chatbot's answer with the textbook.",
           "Training data are the examples the machine learns from.",
           "In my class at {school}, AI could help pupils with dyslexia.",
           "As {first}, I'd always make them check the sources."),
    "it": ("Chiederei agli alunni di confrontare la risposta del chatbot con il libro.",
           "Sono gli esempi da cui la macchina impara.",
           "Nella mia classe al {school}, l'IA potrebbe aiutare gli alunni con DSA.",
           "Io, {first}, farei sempre verificare le fonti."),
    "sl": ("Učence bi prosil, naj odgovor klepetalnika primerjajo z učbenikom.",
           "To so primeri, iz katerih se stroj uči.",
           "V mojem razredu na {school} bi UI lahko pomagala učencem z disleksijo.",
           "Jaz, {first}, bi vedno preveril vire."),
    "de": ("Ich würde die Schüler die Antwort des Chatbots mit dem Lehrbuch vergleichen lassen.",
           "Das sind die Beispiele, aus denen die Maschine lernt.",
           "In meiner Klasse am {school} könnte KI Kindern mit Legasthenie helfen.",
           "Ich, {first}, würde immer die Quellen prüfen lassen."),
}


def _later(rng: random.Random, ts: datetime, low_s: float, high_s: float) -> datetime:
    """A strictly later instant; never on a whole second, so every timestamp keeps ERB's microsecond format."""
    later = ts + timedelta(microseconds=rng.randint(max(50_000, int(low_s * 1e6)), max(50_001, int(high_s * 1e6))))
    return later + timedelta(microseconds=1) if later.microsecond == 0 else later


def _daytime(rng: random.Random, day: date) -> datetime:
    """A session start in Paris daytime, in UTC."""
    minute = rng.randint(8 * 60, 19 * 60 + 30)
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randint(0, 59),
                     rng.randint(1, 999_999), tzinfo=PARIS)
    return local.astimezone(timezone.utc)


def _local_day(ts: datetime) -> date:
    return ts.astimezone(PARIS).date()


def _hex32(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Run:
    """One learner in one course run: sessions, a clock, and the grade the LMS keeps."""

    def __init__(self, rng: random.Random, actor: dict, course: Course, profile: _Profile,
                 out: list[_Emitted]) -> None:
        self.rng, self.actor, self.course, self.profile, self.out = rng, actor, course, profile, out
        self.session: st.Session | None = None
        self.t = datetime.combine(course.start, datetime.min.time(), timezone.utc)
        self.best: dict[str, float] = {}
        self.break_s: int | None = None  # a break of exactly that long before the next statement
        self.n_problems = sum(i.type == "problem" for m in course.modules for i in m.items)
        self.passed = False

    def _emit(self, statement: dict, ts: datetime, stored: datetime) -> None:
        self.out.append(_Emitted(ts, stored, statement))

    def _step(self, low_s: float, high_s: float) -> tuple[datetime, datetime]:
        """Advance the clock (by the break when one is pending); returns (timestamp, stored) of the next statement."""
        if self.break_s is not None:
            self.t, self.break_s = self.t + timedelta(seconds=self.break_s), None
        else:
            self.t = _later(self.rng, self.t, low_s, high_s)
        return self.t, _later(self.rng, self.t, 0.3, 6.0)

    def open_session(self, day: date) -> None:
        self.session = st.Session.open(self.actor, _hex32(self.rng), self.course)
        self.t = max(self.t, _daytime(self.rng, day))

    @property
    def day(self) -> date:
        return _local_day(self.t)

    def enrolment(self, verb_id: str, day: date) -> None:
        self.open_session(day)
        ts, stored = self._step(1, 30)
        session_id = self.session.session_id if verb_id == st.UNREGISTERED else None
        self._emit(st.enrolment(self.actor, self.course, verb_id, ts, stored, session_id), ts, stored)

    def unregister(self, day: date) -> None:
        """Unregistering; some change their mind and register again, so the latest enrolment statement decides."""
        self.enrolment(st.UNREGISTERED, day)
        back = day + timedelta(days=self.rng.randint(1, 10))
        if self.rng.random() < _REREGISTER and back <= COURSE_END:
            self.enrolment(st.REGISTERED, back)

    def navigate(self, module: Module) -> None:
        ts, stored = self._step(2, 20)
        self._emit(st.module_navigated(self.session, module, ts, stored), ts, stored)

    def read(self, item: Item) -> None:
        ts, stored = self._step(5, 60)
        self._emit(st.page_viewed(self.session, item, ts, stored), ts, stored)
        self._step(30, 300)

    def watch(self, item: Item, to_the_end: bool) -> None:
        """initialized, played, interruptions (see _interrupt), then completed (the player's position sometimes a
        little past the end) or a pause, terminated; or nothing more when the tab was closed while playing."""
        rng, length = self.rng, float(item.duration_s)

        def emit(verb_id: str, low_s: float, high_s: float, **playhead: float | None) -> None:
            ts, stored = self._step(low_s, high_s)
            self._emit(st.video_event(self.session, item, verb_id, ts, stored, **playhead), ts, stored)

        emit(st.INITIALIZED, 2, 20)
        emit(st.PLAYED, 0.5, 3, time=None if rng.random() < _NO_POSITION else 0.0)
        position, end = 0.0, length if to_the_end else round(rng.uniform(0.1, 0.8) * length, 3)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            position = self._interrupt(emit, position, round(rng.uniform(position, end), 3), end)
            emit(st.PLAYED, 2, 90, time=position)
        if to_the_end:
            last = round(end + rng.uniform(0.1, 2.5), 3) if rng.random() < _OVERSHOOT else end
            emit(st.COMPLETED, last - position, last - position + 1, time=last)
            emit(st.TERMINATED, 0.2, 2, time=last)
        elif rng.random() >= _TAB_CLOSED:
            emit(st.PAUSED, end - position, end - position + 1, time=end)
            emit(st.TERMINATED, 1, 30, time=end)

    def _interrupt(self, emit: Callable, position: float, cut: float, end: float) -> float:
        """What stops playing at `cut`: a seek while playing (forward or back), a reload, or a pause (sometimes a
        break of exactly 30 min or one second more, sometimes followed by a seek back); returns where play resumes."""
        rng, played_s = self.rng, cut - position
        kind = rng.random()
        if kind < _SEEK_WHILE_PLAYING:
            target = round(rng.uniform(0.0, end), 3)
            emit(st.SEEKED, played_s, played_s + 0.5, time_from=cut, time_to=target)
            return target
        if kind < _SEEK_WHILE_PLAYING + _RELOAD:
            emit(st.INITIALIZED, played_s, played_s + 0.5)
            return cut
        emit(st.PAUSED, played_s, played_s + 0.5, time=cut)
        if rng.random() < _BREAK:
            self.break_s = rng.choice((1800, 1801))
        if rng.random() < 0.3:
            back = round(max(0.0, cut - rng.uniform(5, 60)), 3)
            emit(st.SEEKED, 2, 40, time_from=cut, time_to=back)
            return back
        return cut

    def solve(self, item: Item) -> None:
        """Up to three checks of a problem; the browser sometimes logs its own `attempted` first."""
        rng, ability = self.rng, self.profile.ability
        max_score = 1 if item.interaction_type == "choice" else 3
        for attempt in range(1, 4):
            self._step(20, 240)
            if rng.random() < 0.3:
                ts, stored = self._step(0.05, 0.2)
                self._emit(st.problem_attempted(self.session, item, ts, stored), ts, stored)
            raw = sum(rng.random() < ability for _ in range(max_score))
            ts, stored = self._step(0.2, 0.9)
            evaluated = st.problem_evaluated(self.session, item, attempt, raw, max_score,
                                             self._response(max_score, raw), ts, stored)
            self._emit(evaluated, ts, stored)
            self.best[item.id] = max(self.best.get(item.id, 0.0), raw / max_score)
            if not self.passed and self.grade_percent() >= _PASS_PERCENT:
                self.outcome(passed=True)
            if raw == max_score or rng.random() < 0.5:
                return
            ability = min(0.98, ability + 0.1)

    def _response(self, max_score: int, raw: int) -> str:
        """What the learner answered: Open edX's choice key (choice_1 is right), or free text that may name the
        learner or the school."""
        if max_score == 1:
            return json.dumps([f"choice_{1 if raw else self.rng.choice((0, 2, 3))}"])
        usable = [r for r in _RESPONSES[self.course.language] if self.profile.school_name or "{school}" not in r]
        return self.rng.choice(usable).format(first=self.profile.first_name, school=self.profile.school_name)

    def grade_percent(self) -> int:
        return math.floor(100 * sum(self.best.values()) / self.n_problems + 1e-9)

    def outcome(self, passed: bool) -> None:
        ts, stored = self._step(1, 5)
        self._emit(st.course_outcome(self.session, passed, self.grade_percent(), ts, stored), ts, stored)
        self.passed = passed

    def module(self, module: Module, day: date) -> bool:
        """Work through a module, sometimes over two sittings; False when the second falls after the course."""
        rng = self.rng
        self.open_session(day)
        self.navigate(module)
        split_at = rng.randint(2, len(module.items) - 1) if rng.random() < 0.3 else None
        for index, item in enumerate(module.items):
            if index == split_at:
                later_day = self.day + timedelta(days=rng.randint(0, 3))
                if later_day > COURSE_END:
                    return False
                self.open_session(later_day)
                self.navigate(module)
            if rng.random() < (_SKIP_REQUIRED if item.required else 1 - _READ_OPTIONAL):
                continue
            if index and rng.random() < 0.25:  # back to the module from the course outline
                self.navigate(module)
            if item.type == "page":
                self.read(item)
            elif item.type == "video":
                self.watch(item, to_the_end=rng.random() < 0.95)
            else:
                self.solve(item)
        return True


def _simulate_run(rng: random.Random, actor: dict, course: Course, profile: _Profile, out: list[_Emitted]) -> None:
    """Registration, module-by-module drop-off, grade events, re-watching, and sometimes unregistering."""
    run = _Run(rng, actor, course, profile, out)
    window = (COURSE_END - COURSE_START).days
    offset = rng.choices((rng.randint(0, 10), rng.randint(10, 35), rng.randint(35, window - 10)),
                         weights=(0.55, 0.30, 0.15))[0]
    day = COURSE_START + timedelta(days=offset)
    registers = rng.random() >= _NO_REGISTERED
    if registers:
        run.enrolment(st.REGISTERED, day)
    if registers and rng.random() >= profile.p_start:
        quit_day = day + timedelta(days=rng.randint(1, 20))
        if rng.random() < 0.05 and quit_day <= COURSE_END:
            run.unregister(quit_day)
        return
    day += timedelta(days=0 if rng.random() < 0.5 else rng.randint(1, 7))
    done: list[Module] = []
    for module in course.modules:
        if day > COURSE_END or not run.module(module, day):
            break
        done.append(module)
        going_on = module is not course.modules[-1] and rng.random() < profile.p_next
        # ERB emits `failed` when a grade is computed below the cutoff: late in the course, or when the learner stops.
        if module.position >= 3 and not run.passed and (not going_on or rng.random() < 0.4):
            run.outcome(passed=False)
        if not going_on:
            break
        day = run.day + timedelta(days=rng.randint(1, 9))
    revisit_day = run.day + timedelta(days=rng.randint(2, 20))
    if done and rng.random() < 0.35 and revisit_day <= COURSE_END:
        module = rng.choice(done)
        run.open_session(revisit_day)
        run.navigate(module)
        videos = [i for i in module.items if i.type == "video"]
        for video in rng.sample(videos, rng.randint(1, min(2, len(videos)))):
            run.watch(video, to_the_end=rng.random() < 0.5)
    quit_day = run.day + timedelta(days=rng.randint(1, 20))
    if len(done) < len(course.modules) and rng.random() < 0.07 and quit_day <= COURSE_END:
        run.unregister(quit_day)


def _simulate_webinar(rng: random.Random, actor: dict, webinar: Course, out: list[_Emitted]) -> None:
    """A learner who followed the live webinars: navigated, viewed replays, watched the recording; no registration."""
    run = _Run(rng, actor, webinar, _Profile(1.0, 1.0, 1.0, "", None), out)
    module = webinar.modules[0]
    for _ in range(rng.randint(1, 2)):
        run.open_session(date(2023, 2, 1) + timedelta(days=rng.randint(0, 55)))
        run.navigate(module)
        for item in rng.sample(module.items, rng.randint(1, 2)):
            if item.type == "video":
                run.watch(item, to_the_end=False)
            else:
                run.read(item)


_HANDBOOK_CHAPTERS = (
    ("introduction", "Introduction"), ("what-is-ai", "What is AI?"), ("how-machines-learn", "How machines learn"),
    ("ai-in-the-classroom", "AI in the classroom"), ("generative-ai", "Generative AI"),
    ("data-and-privacy", "Data and privacy"), ("ethics", "Ethics of AI in education"), ("glossary", "Glossary"),
)


def _handbook_visits(rng: random.Random, actor: dict, language: str, sessions: int, out: list[_Emitted]) -> None:
    """Sittings on the handbook site: chapter page views, sometimes the PDF download."""
    for _ in range(sessions):
        t = _daytime(rng, COURSE_START + timedelta(days=rng.randint(0, (COURSE_END - COURSE_START).days)))
        for slug, title in rng.sample(_HANDBOOK_CHAPTERS, rng.randint(1, 6)):
            t = _later(rng, t, 20, 400)
            statement = st.handbook_event(_random_uuid(rng), actor, st.VIEWED, f"{HANDBOOK_ROOT}/{language}/{slug}",
                                          st.PAGE_TYPE, title, language, t)
            out.append(_Emitted(t, None, statement))
        if rng.random() < 0.15:
            t = _later(rng, t, 5, 60)
            statement = st.handbook_event(_random_uuid(rng), actor, st.DOWNLOADED,
                                          f"{HANDBOOK_ROOT}/{language}/ai4t-handbook-{language}.pdf", st.FILE_TYPE,
                                          "AI4T Handbook (PDF)", language, t)
            out.append(_Emitted(t, None, statement))


def _behave(rng: random.Random, learners: list[Learner],
            schools: list[School]) -> tuple[list[_Emitted], list[_Emitted]]:
    """Every learner's MOOC runs, webinar and handbook use, plus anonymous handbook visitors."""
    courses = {c.language: c for c in ai4t_courses()}
    webinar = webinar_course()
    school_names = {s.code: s.name for s in schools}
    mooc: list[_Emitted] = []
    handbook: list[_Emitted] = []
    for learner in learners:
        actor = st.fun_actor(learner.account_home_page, learner.account_name)
        p_start, p_next = _PROFILES[learner.arm]
        profile = _Profile(p_start, p_next, rng.uniform(0.35, 0.9), learner.full_name.split()[0],
                           school_names.get(learner.school_code))
        _simulate_run(rng, actor, courses[learner.language], profile, mooc)
        if rng.random() < 0.03:
            second = rng.choice([lang for lang in LANGUAGES if lang != learner.language])
            second_profile = _Profile(*_SECOND_RUN, profile.ability, profile.first_name, profile.school_name)
            _simulate_run(rng, actor, courses[second], second_profile, mooc)
        if rng.random() < 0.05:
            _simulate_webinar(rng, actor, webinar, mooc)
        if rng.random() < 0.40:
            # The handbook's tracker adds the agent's name to the same FUN account.
            handbook_actor = {"objectType": "Agent", "name": learner.full_name,
                              "account": {"homePage": learner.account_home_page, "name": learner.account_name}}
            language = learner.language if rng.random() < 0.85 else "en"
            _handbook_visits(rng, handbook_actor, language, rng.randint(1, 5), handbook)
    for _ in range(round(0.3 * len(learners))):
        visitor = {"objectType": "Agent", "account": {"homePage": ANONYMOUS_HOMEPAGE, "name": _hex32(rng)}}
        _handbook_visits(rng, visitor, _weighted(rng, _LANGUAGE_MIX), rng.randint(1, 2), handbook)
    return mooc, handbook


# ------------------------------------------------------------------------------------------------------ bad input

def _truncated(statement: dict, line: str, rng: random.Random, email: str) -> str:
    return line[:rng.randint(20, len(line) - 2)]  # a strict prefix of a JSON object is never JSON


def _without_verb(statement: dict, line: str, rng: random.Random, email: str) -> dict:
    del statement["verb"]
    return statement


def _prose_timestamp(statement: dict, line: str, rng: random.Random, email: str) -> dict:
    statement["timestamp"] = rng.choice(("last tuesday", "yesterday at 10am", "mardi dernier"))
    return statement


def _two_ifis(statement: dict, line: str, rng: random.Random, email: str) -> dict:
    statement["actor"] = {"objectType": "Agent", "mbox": f"mailto:{email}", "account": statement["actor"]["account"]}
    return statement


def _scaled_out_of_range(statement: dict, line: str, rng: random.Random, email: str) -> dict:
    statement["result"]["score"]["scaled"] = 1.7
    return statement


def _object_not_iri(statement: dict, line: str, rng: random.Random, email: str) -> dict:
    statement["object"]["id"] = "not an iri"
    return statement


# Each breaks one MUST of xAPI 1.0.3; the second element says whether the statement needs a result.score.
_CORRUPTIONS = ((_truncated, False), (_without_verb, False), (_prose_timestamp, False), (_two_ifis, False),
                (_scaled_out_of_range, True), (_object_not_iri, False))


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(statement: dict) -> str:
    return _ENCODER.encode(statement)


# -------------------------------------------------------------------------------------------------- ground truth

_BY_OBJECT = {st.REGISTERED, st.UNREGISTERED, st.PASSED, st.FAILED}
_ANONYMOUS = {ANONYMOUS_HOMEPAGE}


def _course_id(statement: dict) -> str | None:
    """Contract §4: the object of enrolment and outcome statements, else the parent or grouping course activity."""
    obj = statement.get("object") or {}
    if (statement.get("verb") or {}).get("id") in _BY_OBJECT:
        return obj.get("id")
    activities = (statement.get("context") or {}).get("contextActivities") or {}
    for activity in (activities.get("parent") or []) + (activities.get("grouping") or []):
        if (activity.get("definition") or {}).get("type") == st.COURSE_TYPE:
            return activity.get("id")
    return None


def _truth(source: str, file: str, line: int, statement: dict | None, ts: datetime | None, stored: datetime | None,
           fate: Fate) -> TruthStatement:
    if statement is None:
        return TruthStatement(source, file, line, None, None, None, None, None, None, None, None, None, False, fate)
    account = (statement.get("actor") or {}).get("account")
    home = account["homePage"].rstrip("/") if account else None
    obj = statement.get("object") or {}
    result = statement.get("result") or {}
    playhead = result.get("extensions") or {}
    context_extensions = (statement.get("context") or {}).get("extensions") or {}
    return TruthStatement(
        source=source, file=file, line=line, statement_id=statement.get("id"),
        account=(home, account["name"]) if account and home not in _ANONYMOUS else None,
        verb_id=(statement.get("verb") or {}).get("id"), object_id=obj.get("id"),
        object_type=(obj.get("definition") or {}).get("type"), course_id=_course_id(statement),
        timestamp=ts, result_success=result.get("success"),
        result_score_scaled=(result.get("score") or {}).get("scaled"), has_result=bool(result), fate=fate,
        stored=stored, video_time=playhead.get(st.EXT_TIME), video_time_from=playhead.get(st.EXT_TIME_FROM),
        video_length=context_extensions.get(st.EXT_LENGTH),
    )


def _mooc_file(ts: datetime) -> str:
    return f"mooc/statements-{ts.year}-{ts.month:02d}.ndjson"


MOOC_FILES = tuple(f"mooc/statements-2023-{m:02d}.ndjson" for m in (1, 2, 3))
HANDBOOK_FILE = "handbook/handbook-2023-Q1.ndjson.gz"


def _assemble(rng: random.Random, mooc: list[_Emitted], handbook: list[_Emitted], learners: list[Learner],
              bad_share: float) -> tuple[dict[str, list[str]], list[TruthStatement]]:
    """Order the statements into files, void one, corrupt a share, duplicate a few; record every line's fate."""
    mooc = sorted(mooc, key=lambda e: (e.ts, e.statement["id"]))
    # One voiding statement, issued days later by the same account, for a played or evaluated statement (none only
    # in a cohort too small to have one).
    last_void = datetime(2023, 3, 25, tzinfo=timezone.utc)
    targets = [e for e in mooc if e.ts < last_void and e.statement["verb"]["id"] in (st.PLAYED, st.EVALUATED)]
    target = voiding = None
    if targets:
        target = rng.choice(targets)
        void_ts = _daytime(rng, _local_day(target.ts) + timedelta(days=rng.randint(1, 5)))
        void_stored = _later(rng, void_ts, 0.3, 6.0)
        voiding = _Emitted(void_ts, void_stored, st.voiding(_random_uuid(rng), target.statement["actor"],
                                                            target.statement["id"], void_ts, void_stored))
        mooc.insert(next((i for i, e in enumerate(mooc) if e.ts > void_ts), len(mooc)), voiding)

    candidates = [i for i, e in enumerate(mooc) if e is not voiding and e is not target]
    rng.shuffle(candidates)
    scored = {i for i in candidates if "score" in mooc[i].statement.get("result", {})}
    corruption: dict[int, Callable] = {}
    kinds = itertools.cycle(_CORRUPTIONS)
    while len(corruption) < min(round(bad_share * len(mooc)), len(candidates)):
        corrupt, needs_score = next(kinds)
        index = next((i for i in candidates if i not in corruption and (not needs_score or i in scored)), None)
        if index is not None:
            corruption[index] = corrupt
    clean = [i for i in candidates if i not in corruption]
    duplicated = set(rng.sample(clean, min(len(clean), round(0.005 * len(mooc)))))

    emails = {learner.account_name: learner.email for learner in learners}
    files: dict[str, list[str]] = {name: [] for name in MOOC_FILES}
    truths: list[TruthStatement] = []
    for index, emitted in enumerate(mooc):
        statement, ts = emitted.statement, emitted.ts
        file = _mooc_file(ts)
        lines = files[file]
        line = _dumps(statement)
        if index in corruption:
            bad = corruption[index](copy.deepcopy(statement), line, rng, emails[statement["actor"]["account"]["name"]])
            if isinstance(bad, str):
                lines.append(bad)
                truths.append(_truth("mooc", file, len(lines), None, None, None, "invalid"))
            else:
                lines.append(_dumps(bad))
                good_ts = ts if bad.get("timestamp") == statement["timestamp"] else None
                truths.append(_truth("mooc", file, len(lines), bad, good_ts, emitted.stored, "invalid"))
            continue
        fate: Fate = "voiding" if emitted is voiding else "voided" if emitted is target else "counted"
        lines.append(line)
        truths.append(_truth("mooc", file, len(lines), statement, ts, emitted.stored, fate))
        if index in duplicated:  # the export overlapped: the same line again
            lines.append(line)
            truths.append(_truth("mooc", file, len(lines), statement, ts, emitted.stored, "duplicate"))

    files[HANDBOOK_FILE] = []
    for emitted in sorted(handbook, key=lambda e: (e.ts, e.statement["id"])):
        files[HANDBOOK_FILE].append(_dumps(emitted.statement))
        truths.append(_truth("handbook", HANDBOOK_FILE, len(files[HANDBOOK_FILE]), emitted.statement, emitted.ts,
                             None, "counted"))
    return files, truths


def build_cohort(learners: int = 1000, seed: int = 42, bad_share: float = 0.01) -> Cohort:
    """The whole synthetic cohort, deterministic for (learners, seed, bad_share); no I/O."""
    if learners < 1:
        raise ValueError("learners must be at least 1")
    if not 0 <= bad_share <= 0.5:
        raise ValueError("bad_share must be between 0 and 0.5")
    # Independent streams, so e.g. a change in behaviour does not reshuffle who the people are.
    people_rng, behaviour_rng, assembly_rng = (random.Random(f"{seed}/{part}")
                                                for part in ("people", "behaviour", "assembly"))
    schools, people = _schools_and_learners(people_rng, learners)
    mooc, handbook = _behave(behaviour_rng, people, schools)
    files, truths = _assemble(assembly_rng, mooc, handbook, people, bad_share)
    return Cohort(structure(ai4t_courses()), people, truths, schools, files)
