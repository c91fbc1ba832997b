"""What the line says when listeners talk back: counts, "I tried this", replies, forwards (Hindi, English)."""

from ivr.prompts import Prompt

_PROMPTS = [
    # spoken before a lesson or story: how many workers found it useful, and how many have done it
    ("count_useful_one", 1, "एक कर्मी ने इसे काम का पाया।", "One worker found this useful."),
    ("count_useful_many", 1, "{count} कर्मियों ने इसे काम का पाया।", "{count} workers found this useful."),
    (
        "count_tried_one",
        1,
        "एक कर्मी इसे अपने काम में करके देख चुका है।",
        "One worker has tried it in their work.",
    ),
    (
        "count_tried_many",
        1,
        "{count} कर्मी इसे अपने काम में करके देख चुके हैं।",
        "{count} workers have tried it in their work.",
    ),
    # after a lesson or story
    (
        "tried_ask",
        1,
        "अगर आपने यह अपने काम में करके देखा है, तो 4 दबाएँ।",
        "If you have done this in your own work, press 4.",
    ),
    (
        "tried_thanks",
        1,
        "धन्यवाद! आपका अनुभव दूसरे कर्मियों को भरोसा देगा।",
        "Thank you! Knowing you have done it gives other workers confidence.",
    ),
]

PROMPTS = {
    prompt_id: Prompt(prompt_id, version, {"hi": hindi, "en": english})
    for prompt_id, version, hindi, english in _PROMPTS
}
