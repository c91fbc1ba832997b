"""Curator pages: the review queue of transcribed recordings, with search."""

from flask import Blueprint, render_template, request

from audio.models import Recording
from core.auth import role_required
from transcription import services
from transcription.models import Transcript

bp = Blueprint("transcription", __name__, template_folder="templates", url_prefix="/review")
PAGE_SIZE = 50


@bp.route("/")
@role_required("curator")
def queue():
    """The review queue, most urgent first, or search results when a query is given."""
    query = request.args.get("q", "").strip()
    filters = {
        "kind": request.args.get("kind") or None,
        "language": request.args.get("language") or None,
        "flag": request.args.get("flag") or None,
    }
    if query:
        transcripts = services.search(query, limit=PAGE_SIZE)
    else:
        transcripts = services.review_queue(**filters, limit=PAGE_SIZE)
    items = [(t, services.tags_for(t.recording_id)) for t in transcripts]
    return render_template(
        "transcription/queue.html",
        items=items,
        query=query,
        filters=filters,
        kinds=(Recording.QUESTION, Recording.STORY, Recording.ANSWER),
        flags=(
            Transcript.NO_MODEL,
            Transcript.EMPTY,
            Transcript.LOW_CONFIDENCE,
            Transcript.MOSTLY_SILENCE,
            Transcript.CLIPPING,
            Transcript.SHORT_SPEECH,
        ),  # fmt: skip
    )
