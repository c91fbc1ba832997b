"""The living demo: peer stories with transcripts, an answered question, a finished campaign and a
month of synthetic calls and listening, so every page shows believable figures on first start.

Each part goes through its package's own services (the stories are published as a curator would, the
answer is given at the help desk); only the month of history is bulk-inserted by `ivr.synthetic`.
Made only outside production, on a line that has no calls yet; its callers are created_by "demo".
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from audio import (
    convert,
    recording_pipeline,
    store,
    typed,
)
from audio.models import Recording
from campaigns.models import Campaign
from core.db import db, utcnow
from core.models import Contact, StaffUser, Topic
from ivr import synthetic
from transcription import (
    decisions,
    helpdesk,
    transcribing,
)

EVENTS = 15_000  # calls plus listening events: about 3,000 calls by 300 callers over the month
STORY_DAYS_AGO = (1, 2, 4, 6)  # when the demo's stories were told (published today)
DAYS = 30


class ProductionDemoError(RuntimeError):
    """The demo is never made in production."""


@dataclass(frozen=True)
class Told:
    phone: str  # a demo contact (core.seed.DEMO_CONTACTS)
    language: str
    topic: str
    title: str
    words: str


STORIES = [
    Told(
        "+919800000001",
        "hi",
        "twin-pit",
        "बिसवां में दूसरा गड्ढा कैसे जोड़ा",
        "मैं रमेश, बिसवां से मिस्त्री हूँ। हमारे गाँव में कई घरों में एक ही गड्ढा था जो हर साल भर जाता था। "
        "हमने एक मीटर दूर दूसरा गड्ढा खोदा, जालीदार ईंट की दीवार बनाई और जंक्शन चैंबर लगाया। "
        "अब परिवार आराम से शौचालय इस्तेमाल करते हैं और कोई टैंकर नहीं बुलाना पड़ता।",
    ),
    Told(
        "+919800000002",
        "hi",
        "behaviour-change",
        "सुनीता दीदी ने कैसे बात की",
        "मैं सुनीता, महमूदाबाद से प्रेरक हूँ। एक घर में शौचालय था पर दादी बाहर जाती थीं क्योंकि उनके घुटनों में दर्द था। "
        "हमने शौचालय में पकड़ने के लिए एक डंडा लगवाया और एक छोटी चौकी रखवाई। अब दादी भी शौचालय जाती हैं।",
    ),
    Told(
        "+919800000004",
        "en",
        "handwashing",
        "A tippy tap at the school in Bodh Gaya",
        "I am Kavita, a motivator in Bodh Gaya. The school toilet had no water near it, so the children did not "
        "wash their hands. We hung two tippy taps made from old cans, with a bar of soap on a string. "
        "Now the children wash their hands after the toilet and before the midday meal.",
    ),
    Told(
        "+919800000005",
        "hi",
        "toilet-construction",
        "गिर्वा में प्लास्टर वाला गड्ढा ठीक किया",
        "मैं मोहन, गिर्वा से मिस्त्री हूँ। एक ठेकेदार ने गड्ढे में अंदर से प्लास्टर कर दिया था और फ़र्श पक्का कर दिया था। "
        "गड्ढा तीन महीने में भर गया। हमने इंजीनियर की सलाह से नया जालीदार गड्ढा बनाया और तला कच्चा छोड़ा।",
    ),
]
QUESTION = Told(
    "+919800000003",
    "hi",
    "twin-pit",
    "गड्ढे की दूरी",
    "मैं इमरान, मलिहाबाद से। हैंडपंप सिर्फ़ छह मीटर दूर है, गड्ढा कहाँ बनाऊँ?",
)
ANSWER = (
    "इमरान जी, जहाँ तक हो सके गड्ढा हैंडपंप से दस मीटर दूर रखें और ढलान की निचली तरफ़ बनाएँ। "
    "अगर दस मीटर सच में मुमकिन नहीं है, तो ब्लॉक इंजीनियर को बुलाइए, वे मिट्टी और पानी का स्तर देखकर बताएँगे।"
)


def make(now=None) -> list[str]:
    """Make the living demo once; returns a line for each part that could not be made."""
    if current_app.config["CHAUPAL_ENV"] == "production":
        raise ProductionDemoError(
            "the living demo (stories, a question, call history) is never made in production"
        )
    if synthetic.line_has_calls():
        return []
    now = now or utcnow()
    problems = _told_content(now)
    plan = synthetic.Plan(
        events=EVENTS,
        days=DAYS,
        until=now,
        real_content=True,
        campaigns=(Campaign.BOTH,),
        created_by=Contact.DEMO,
    )
    synthetic.seed(plan)
    return problems


def _told_content(now) -> list[str]:
    """The stories and the answered question (spoken by espeak-ng); a line if they cannot be made."""
    if not typed.can_render():
        return ["espeak-ng is not installed: no demo stories or answered question were made"]
    curator = db.session.scalar(select(StaffUser).filter_by(role=StaffUser.CURATOR).order_by(StaffUser.id))
    if curator is None:
        return ["no curator account: no demo stories or answered question were made"]
    for days_ago, told in zip(STORY_DAYS_AGO, STORIES, strict=True):
        _story(told, curator, now - timedelta(days=days_ago))
    _answered_question(curator, now - timedelta(days=2))
    return []


def _recording(told: Told, kind: str, created_at):
    contact = db.session.scalar(select(Contact).filter_by(phone=told.phone))
    topic = db.session.scalar(select(Topic).filter_by(slug=told.topic))
    with store.scratch_dir() as folder:
        path = folder / "told.wav"
        convert.synthesize(told.words, told.language, path)
        return recording_pipeline.add_local_recording(
            path,
            kind=kind,
            contact_id=contact.id if contact else None,
            language_code=told.language,
            topic_id=topic.id if topic else None,
            consent=Recording.NAMED,
            created_at=created_at,
        )


def _story(told: Told, curator: StaffUser, created_at) -> None:
    """A caller's story, transcribed (the words are known) and published by the curator."""
    recording = _recording(told, Recording.STORY, created_at)
    _transcribed(recording.id, curator, told.words)
    version = decisions.review_for(recording.id).version
    decisions.approve_story(
        recording.id, version, curator, told.title, [recording.topic_id], name_spoken=True
    )


def _transcribed(recording_id: int, curator: StaffUser, words: str) -> None:
    """The transcript is the words the demo spoke, entered as a curator's correction (kept on re-runs)."""
    transcribing.transcript_row(recording_id)
    version = decisions.review_for(recording_id).version
    decisions.save_transcript_text(recording_id, version, curator, words)


def _answered_question(curator: StaffUser, created_at) -> None:
    """A caller's question routed to the help desk and answered by the curator (the answer is recorded)."""
    recording = _recording(QUESTION, Recording.QUESTION, created_at)
    _transcribed(recording.id, curator, QUESTION.words)
    question = helpdesk.route_question(recording, recording.topic_id, curator)
    with store.scratch_dir() as folder:
        path = folder / "answer.wav"
        convert.synthesize(ANSWER, QUESTION.language, path)
        with path.open("rb") as upload:
            helpdesk.save_answer(question.id, upload, "answer.wav", curator)
