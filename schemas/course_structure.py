"""The course structure file (contract §4): courses, their modules and items, as exported from the LMS."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Item(_Strict):
    id: str
    type: Literal["video", "problem", "page"]
    required: bool
    title: str = ""
    video_length_s: float | None = None


class Module(_Strict):
    id: str
    title: str = ""
    position: int
    items: list[Item]


class Course(_Strict):
    course_id: str
    title: str = ""
    start: date
    end: date
    language: str | None = None  # the run's language (an RFC 5646 tag); optional in the file
    modules: list[Module]


_COURSES = TypeAdapter(list[Course])


class StructureError(ValueError):
    """The structure file is unreadable or not in the contract's format; the message is one line."""


def load_structure(path: Path) -> list[Course]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _COURSES.validate_python(data)
    except OSError as exc:
        raise StructureError(f"course structure {path}: cannot be read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StructureError(f"course structure {path}: not valid JSON ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StructureError(f"course structure {path}: [{where}] {first['msg']}") from None


def structure_tables(courses: list[Course]) -> dict[str, list[dict]]:
    """Rows of dim_course, dim_course_module and dim_course_item."""
    return {
        "dim_course": [
            {"course_id": c.course_id, "title": c.title, "start_date": c.start, "end_date": c.end,
             "n_modules": len(c.modules), "language": c.language} for c in courses
        ],
        "dim_course_module": [
            {"course_id": c.course_id, "module_id": m.id, "title": m.title, "position": m.position,
             "n_items": len(m.items), "n_required": sum(i.required for i in m.items)}
            for c in courses for m in c.modules
        ],
        "dim_course_item": [
            {"course_id": c.course_id, "module_id": m.id, "item_id": i.id, "item_type": i.type,
             "required": i.required, "title": i.title, "video_length_s": i.video_length_s}
            for c in courses for m in c.modules for i in m.items
        ],
    }
