"""Words that read right: list items and titles in their slots, and a page with every sentence."""

import re
import xml.etree.ElementTree as ET

import pytest

from audio.models import Lesson
from core.db import db
from core.models import Topic
from ivr import (
    prompt_editing,
    prompts,
    review,
)
from tests.ivr_fixtures import make_lesson

POSTPOSITION = re.compile(r"\{(title|name|label|course)\}\s*(के|की|का|को|में|से|पर|ने)(?=[\s।,])")


def test_no_hindi_prompt_puts_a_title_or_item_before_a_postposition(app):
    # "{name} के लिए" needs the oblique form of every title (धोना -> धोने, वाला -> वाले): avoided
    for prompt in prompts.PROMPTS.values():
        assert not POSTPOSITION.search(prompt.text["hi"]), f"{prompt.id}: {prompt.text['hi']}"


def test_every_list_item_sentence_for_the_seeded_topics_and_titles_reads_right():
    make_lesson("हाथ धोना", topic="handwashing", languages=("hi",))
    items = review.list_items("hi")
    said = [s.words for s in review.sentences("hi") if s.prompt_id == "item_option"]
    topics = [topic.name_hi for topic in db.session.query(Topic)]
    assert set(topics) <= set(items) and "हाथ धोना (hi)" in items
    assert any(title in items for title in review.titles("hi") if title != "हाथ धोना (hi)")  # starter titles
    assert len(said) == len(items)
    for sentence in said:
        assert " के लिए 1" not in sentence.replace("इसके लिए 1", ""), sentence
    assert "हाथ धोना: इसके लिए 1 दबाएँ।" in said and "दो गड्ढे वाला शौचालय: इसके लिए 1 दबाएँ।" in said
    assert not [s for s in said if "धोना के लिए" in s or "वाला शौचालय के लिए" in s]


def test_the_sentence_page_lists_list_items_titles_and_outbound_calls(client, login):
    make_lesson("Ramesh's story", topic=None, kind=Lesson.STORY)
    login("curator")
    page = client.get("/ivr/prompts/sentences?language=hi").get_data(as_text=True)
    for words in (
        "हाथ धोना: इसके लिए 1 दबाएँ।",
        "अब विशेषज्ञ का जवाब सुनिए।",
        "नमस्ते। चौपाल की ओर से आपके लिए एक संदेश।",
        "आपके लिए पाठ: Ramesh",
        "आपने बताया: राजमिस्त्री, ज़िला",
    ):
        assert words in page.replace("&#39;", "'"), words
    english = client.get("/ivr/prompts/sentences?language=en").get_data(as_text=True)
    assert "Handwashing: press 1." in english and "Now here is the expert&#39;s answer." in english
    assert client.get("/ivr/prompts/sentences?language=xx").status_code == 404


def test_the_sentence_page_is_for_curators_and_admins(client, login):
    login("officer")
    assert client.get("/ivr/prompts/sentences").status_code == 403


def test_outbound_words_are_prompts_that_admins_can_reword(twilio_post, login):
    admin = login("admin")
    prompt_editing.save_prompt_words("broadcast_missing", "en", "Sorry, nothing to play today.", admin.id)
    response = twilio_post("/ivr/broadcast/999", {"CallSid": "CA9", "CallStatus": "in-progress"})
    said = [verb.text for verb in ET.fromstring(response.get_data()).iter("Say")]
    assert said == ["Hello. A message for you from Chaupal.", "Sorry, nothing to play today."]


@pytest.mark.parametrize("prompt_id", ["answer_intro", "answer_follows", "answer_replay", "broadcast_intro"])
def test_outbound_prompts_exist_in_both_languages(prompt_id):
    assert prompts.PROMPTS[prompt_id].text["hi"] and prompts.PROMPTS[prompt_id].text["en"]
