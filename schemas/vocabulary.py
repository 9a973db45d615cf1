"""The xAPI vocabulary the metrics understand (contract §4): verb categories and the activity types they rely on.

The warehouse loads VERB_CATEGORIES into `dim_verb`, so SQL models join on categories instead of repeating IRIs.
The registry may accept more verbs than the contract lists, never fewer.
"""

ADL = "http://adlnet.gov/expapi/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
VIDEO = "https://w3id.org/xapi/video/verbs/"

VOIDED = ADL + "voided"

VERB_CATEGORIES: dict[str, str] = {
    ADL + "registered": "enrolment",
    TINCAN + "unregistered": "enrolment",
    ADL + "passed": "course_outcome",
    ADL + "failed": "course_outcome",
    VIDEO + "played": "video",
    VIDEO + "paused": "video",
    VIDEO + "seeked": "video",
    ADL + "initialized": "video",
    ADL + "completed": "video",
    ADL + "terminated": "video",
    "https://w3id.org/xapi/acrossx/verbs/evaluated": "problem",
    ADL + "attempted": "problem",
    ADL + "answered": "problem",
    "https://w3id.org/xapi/dod-isd/verbs/navigated": "page",
    TINCAN + "viewed": "page",
    ADL + "experienced": "page",
    TINCAN + "downloaded": "handbook_download",
    VOIDED: "voiding",
}
# Verbs whose object is the course activity itself (its IRI is the statement's course_id).
COURSE_OBJECT_CATEGORIES = frozenset({"enrolment", "course_outcome"})

COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
VIDEO_TYPE = "https://w3id.org/xapi/video/activity-type/video"

# Activity types the metrics recognise; "problem" types define problem items when a course has no structure file.
ACTIVITY_TYPE_ROLES: dict[str, str] = {
    COURSE_TYPE: "course",
    VIDEO_TYPE: "video",
    "http://adlnet.gov/expapi/activities/cmi.interaction": "problem",
    "http://adlnet.gov/expapi/activities/question": "problem",
}
