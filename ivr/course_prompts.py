"""What the line says in courses, quizzes, re-asks, certificates and changed-advice notices (Hindi, English)."""

from ivr.prompts import Prompt

_PROMPTS = [
    (
        "course_continue",
        1,
        'आपका कोर्स "{course}" आपका इंतज़ार कर रहा है। कोर्स जारी रखने के लिए 1 दबाएँ। मुख्य मेन्यू के लिए 2 दबाएँ।',
        'Your course "{course}" is waiting for you. To continue your course, press 1. For the main menu, press 2.',
    ),
    (
        "reask_intro",
        1,
        "शुरू करने से पहले, आपने जो सीखा था उस पर एक छोटा सवाल। छोड़ने के लिए हैश दबाएँ।",
        "Before we start, a quick question on what you learned. To skip it, press hash.",
    ),
    ("quiz_intro", 1, "अब इस पाठ पर एक छोटा सवाल।", "Now a short question about this lesson."),
    ("quiz_text", 1, "{text}", "{text}"),  # a curator's own words: a question or an explanation
    # "{label} के लिए" would need each answer's oblique form (धोना -> धोने): the label first, then the key
    ("quiz_option", 2, "{label}: इसके लिए {digit} दबाएँ।", "For {label}, press {digit}."),
    ("quiz_skip_hint", 1, "सवाल छोड़ने के लिए हैश दबाएँ।", "To skip the question, press hash."),
    ("quiz_right", 1, "बिल्कुल सही!", "That is right!"),
    (
        "quiz_wrong",
        1,
        "यह सही नहीं है। सही जवाब है: {answer}।",
        "That is not right. The right answer is: {answer}.",
    ),
    ("quiz_skipped", 1, "कोई बात नहीं। सही जवाब है: {answer}।", "No problem. The right answer is: {answer}."),
    (
        "course_next_week",
        1,
        "आपका अगला पाठ अगले हफ़्ते आएगा। हम आपको कॉल करेंगे।",
        "Your next lesson comes next week. We will call you.",
    ),
    (
        "course_passed",
        1,
        "बधाई हो! आपने {score} प्रतिशत के साथ कोर्स पास कर लिया है। आपका प्रमाणपत्र कोड है {code}। "
        "यह कोड आपको SMS से भी भेजा जा रहा है।",
        "Congratulations! You passed the course with {score} percent. Your certificate code is {code}. "
        "We are also sending it to you by SMS.",
    ),
    (
        "course_not_passed",
        1,
        "आपने कोर्स पूरा कर लिया, {score} प्रतिशत सही। पास होने के लिए {mark} प्रतिशत चाहिए। "
        "जो सवाल छूट गए, वे हम आपसे फिर पूछेंगे।",
        "You finished the course with {score} percent right. The pass mark is {mark} percent. "
        "We will ask you again the questions you missed.",
    ),
    ("course_done_options", 1, "मुख्य मेन्यू के लिए 1 दबाएँ।", "For the main menu, press 1."),
    (
        "advice_changed",
        2,
        "ज़रूरी सूचना: इस पाठ की सलाह बदल गई है: {title}। नई सलाह सुनने के लिए 1 दबाएँ। मुख्य मेन्यू के लिए 2 दबाएँ।",
        "Important: the advice on {title} has changed. To hear the new advice, press 1. "
        "For the main menu, press 2.",
    ),
]

PROMPTS: dict[str, Prompt] = {
    prompt_id: Prompt(prompt_id, version, {"hi": hindi, "en": english})
    for prompt_id, version, hindi, english in _PROMPTS
}
