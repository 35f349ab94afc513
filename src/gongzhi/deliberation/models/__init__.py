"""Deliberation models: the catalogue, bodies, topics and their discussion, meetings and votes."""

from .bodies import Body, BodyMember
from .catalogue import CatalogueItem, MemberKind
from .follow_up import Evaluation, Task, TaskPhoto, TaskStatus, TaskUpdate
from .choices import BodyKind, CatalogueKind, Form, ScopeKind, TopicStatus
from .meetings import Attendance, Meeting, MeetingStatus
from .settings import DeliberationSettings
from .topics import Comment, Support, Topic, TopicAttachment
from .villages import FourTwoStep, ProcessStatus, StepAttachment, StepRecord, VillageProcess
from .votes import (BallotMethod, Elector, Electorate, EntryKind, HouseholdRepresentative, LedgerEntry,
                    Participation, Rule, Vote)

__all__ = [
    "Attendance", "BallotMethod", "Body", "BodyKind", "BodyMember", "CatalogueItem", "CatalogueKind", "Comment", "DeliberationSettings",
    "Elector", "Electorate", "EntryKind", "Form", "HouseholdRepresentative", "LedgerEntry", "Meeting",
    "MeetingStatus", "MemberKind", "Participation", "Rule", "ScopeKind", "Support", "Topic", "TopicAttachment",
    "TopicStatus", "Vote",
    "Evaluation", "Task", "TaskPhoto", "TaskStatus", "TaskUpdate",
    "FourTwoStep", "ProcessStatus", "StepAttachment", "StepRecord", "VillageProcess",
]
