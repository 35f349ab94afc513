from .powers import AppliesTo, ExerciseOutcome, PowerExercise, PowerItem, PowerStep
from .property import (
    CriterionScore,
    EvaluationStatus,
    PropertyEvaluation,
    PropertySettings,
    SatisfactionRating,
    ScoreCriterion,
)

__all__ = [
    "AppliesTo", "CriterionScore", "EvaluationStatus", "ExerciseOutcome", "PowerExercise", "PowerItem", "PowerStep",
    "PropertyEvaluation", "PropertySettings", "SatisfactionRating", "ScoreCriterion",
]
