"""What the line says to an expert calling in to answer questions (Hindi, English)."""

from ivr.prompts import Prompt

_PROMPTS = [
    (
        "expert_waiting",
        1,
        "नमस्ते। आपके विषयों में जवाब की राह देख रहे सवाल: {count}।",
        "Hello. Questions waiting for an answer in your topics: {count}.",
    ),
    ("expert_first", 1, "पहला सवाल सुनने के लिए 1 दबाएँ।", "To hear the first question, press 1."),
    (
        "expert_none",
        1,
        "नमस्ते। आपके विषयों में अभी कोई सवाल नहीं है।",
        "Hello. No questions are waiting in your topics.",
    ),
    ("expert_to_menu", 1, "कॉल करने वालों के मेन्यू के लिए 2 दबाएँ।", "For the callers' menu, press 2."),
    (
        "expert_question_options",
        1,
        "जवाब रिकॉर्ड करने के लिए 1 दबाएँ। अगले सवाल के लिए 2 दबाएँ। दोबारा सुनने के लिए 0 दबाएँ।",
        "To record the answer, press 1. For the next question, press 2. To hear it again, press 0.",
    ),
    (
        "expert_record",
        1,
        "बीप के बाद अपना जवाब बोलिए। बात पूरी होने पर हैश दबाएँ।",
        "After the beep, say your answer. Press hash when you have finished.",
    ),
    (
        "expert_review_options",
        1,
        "यह जवाब भेजने के लिए 1 दबाएँ। फिर से रिकॉर्ड करने के लिए 2 दबाएँ।",
        "To send this answer, press 1. To record it again, press 2.",
    ),
    (
        "expert_answer_kept",
        1,
        "धन्यवाद। आपका जवाब पूछने वाले को कॉल करके सुनाया जाएगा।",
        "Thank you. Your answer will be played to the caller who asked.",
    ),
]

PROMPTS: dict[str, Prompt] = {
    prompt_id: Prompt(prompt_id, version, {"hi": hindi, "en": english})
    for prompt_id, version, hindi, english in _PROMPTS
}
