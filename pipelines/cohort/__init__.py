"""The synthetic AI4T cohort behind `lola generate`: course structure, learners, xAPI statements, ground truth."""

from pipelines.cohort.simulate import Cohort, Learner, School, Teacher, TruthStatement, build_cohort
from pipelines.cohort.write import write_cohort

__all__ = ["Cohort", "Learner", "School", "Teacher", "TruthStatement", "build_cohort", "write_cohort"]
