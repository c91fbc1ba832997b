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
    # replies to a story: heard after it, recorded by a listener, heard by the teller from the main menu
    (
        "replies_one",
        1,
        "इस कहानी पर एक जवाब है। उसे सुनने के लिए 5 दबाएँ।",
        "There is one reply to this story. To hear it, press 5.",
    ),
    (
        "replies_many",
        1,
        "इस कहानी पर {count} जवाब हैं। उन्हें सुनने के लिए 5 दबाएँ।",
        "There are {count} replies to this story. To hear them, press 5.",
    ),
    (
        "reply_ask",
        1,
        "कहानी सुनाने वाले कर्मी को जवाब देने के लिए 7 दबाएँ।",
        "To reply to the worker who told this story, press 7.",
    ),
    ("replies_intro", 1, "दूसरे कर्मियों के जवाब सुनिए।", "Here are other workers' replies."),
    (
        "replies_end",
        1,
        "जवाब फिर से सुनने के लिए 1 दबाएँ। वापस जाने के लिए स्टार दबाएँ।",
        "To hear the replies again, press 1. To go back, press star.",
    ),
    (
        "menu_my_replies",
        1,
        "आपकी कहानी पर आए जवाब सुनने के लिए 7 दबाएँ।",
        "To hear the replies to your story, press 7.",
    ),
    (
        "my_replies_intro",
        1,
        "दूसरे कर्मियों ने आपकी कहानी पर ये जवाब दिए हैं।",
        "Other workers sent these replies to your story.",
    ),
    (
        "consent_reply",
        1,
        "आपका जवाब कहानी सुनाने वाले कर्मी और इस लाइन पर दूसरे कर्मी सुन सकेंगे। अपने नाम के साथ साझा करने के लिए "
        "1 दबाएँ। बिना नाम के साझा करने के लिए 2 दबाएँ। इसे केवल प्रशिक्षकों के लिए रखने के लिए 3 दबाएँ। "
        "रिकॉर्ड किए बिना वापस जाने के लिए स्टार दबाएँ।",
        "The worker who told this story and other workers on this line may hear your reply. To share it with "
        "your name, press 1. To share it without your name, press 2. To keep it for trainers only, press 3. "
        "To go back without recording, press star.",
    ),
    (
        "record_reply",
        1,
        "बीप के बाद अपना जवाब बोलिए। बात पूरी होने पर हैश दबाएँ।",
        "After the beep, say your reply. Press hash when you have finished.",
    ),
    (
        "recording_kept_reply",
        1,
        "धन्यवाद! आपका जवाब सहेज लिया गया है। हमारी टीम इसे सुनेगी, फिर यह कहानी के बाद सुनाया जाएगा।",
        "Thank you! Your reply has been saved. Our team will listen to it, then it will be played after the story.",
    ),
    # forward to a friend: the sharer's side
    ("forward_offer", 1, "किसी साथी को यह सुनाने के लिए 8 दबाएँ।", "To share this with a colleague, press 8."),
    (
        "forward_ask",
        1,
        "अपने साथी का दस अंकों का मोबाइल नंबर दबाइए, फिर हैश दबाएँ। वापस जाने के लिए स्टार दबाएँ।",
        "Type your colleague's ten-digit mobile number, then press hash. To go back, press star.",
    ),
    (
        "forward_queued",
        1,
        "धन्यवाद! हम आपके साथी को कॉल के समय में कॉल करके यह सुनाएँगे।",
        "Thank you! We will call your colleague during calling hours and play it to them.",
    ),
    ("forward_refused_number", 1, "यह दस अंकों का मोबाइल नंबर नहीं है।", "That is not a ten-digit mobile number."),
    ("forward_refused_own", 1, "यह आपका अपना नंबर है।", "That is your own number."),
    (
        "forward_refused_opted_out",
        1,
        "इस नंबर पर चौपाल की कॉल बंद हैं, इसलिए हम वहाँ कॉल नहीं करेंगे।",
        "This number has stopped calls from Chaupal, so we will not call it.",
    ),
    (
        "forward_refused_limit",
        1,
        "आज आप जितनी बार भेज सकते थे, भेज चुके हैं। कृपया कल फिर भेजिए।",
        "You have shared as many times as you can today. Please share again tomorrow.",
    ),
    (
        "forward_refused_unknown",
        1,
        "आपका नंबर छिपा हुआ है, इसलिए आप यह किसी को नहीं भेज सकते।",
        "Your number is hidden, so you cannot share this.",
    ),
    # forward to a friend: the friend's call
    (
        "forward_intro_story",
        1,
        "नमस्ते, यह चौपाल है। आपके साथी {name} चाहते हैं कि आप चौपाल की यह कहानी सुनें।",
        "Hello, this is Chaupal. Your colleague {name} shared a story from Chaupal with you.",
    ),
    (
        "forward_intro_lesson",
        1,
        "नमस्ते, यह चौपाल है। आपके साथी {name} चाहते हैं कि आप चौपाल का यह पाठ सुनें।",
        "Hello, this is Chaupal. Your colleague {name} shared a lesson from Chaupal with you.",
    ),
    (
        "forward_intro_story_unnamed",
        1,
        "नमस्ते, यह चौपाल है। आपके एक साथी ने आपके लिए चौपाल की एक कहानी भेजी है।",
        "Hello, this is Chaupal. A colleague of yours shared a story from Chaupal with you.",
    ),
    (
        "forward_intro_lesson_unnamed",
        1,
        "नमस्ते, यह चौपाल है। आपके एक साथी ने आपके लिए चौपाल का एक पाठ भेजा है।",
        "Hello, this is Chaupal. A colleague of yours shared a lesson from Chaupal with you.",
    ),
    (
        "forward_options",
        1,
        "चौपाल के और पाठ और कहानियाँ सुनने के लिए 1 दबाएँ। चौपाल से आगे कोई कॉल न चाहें तो 3 दबाएँ।",
        "For more lessons and stories from Chaupal, press 1. If you want no more calls from Chaupal, press 3.",
    ),
    # keypad polls: before the first question, after a lesson with a poll, and at the end
    (
        "poll_intro",
        1,
        "चौपाल की टीम के कुछ छोटे सवाल। किसी सवाल को छोड़ने के लिए स्टार दबाएँ।",
        "A few short questions from the Chaupal team. To skip a question, press star.",
    ),
    (
        "poll_offer",
        1,
        "चौपाल की टीम के कुछ छोटे सवालों का जवाब देने के लिए हैश दबाएँ।",
        "To answer a few short questions from the Chaupal team, press hash.",
    ),
    ("poll_thanks", 1, "आपके जवाबों के लिए धन्यवाद।", "Thank you for your answers."),
    # village-meeting mode (motivators): a lesson played to a group on loudspeaker
    (
        "menu_meeting",
        1,
        "गाँव की बैठक में पाठ सुनाने के लिए 8 दबाएँ।",
        "To play a lesson to a village meeting, press 8.",
    ),
    (
        "meeting_headcount",
        1,
        "अभी कितने लोग सुन रहे हैं? संख्या दबाइए, फिर हैश दबाएँ।",
        "How many people are listening now? Type the number, then press hash.",
    ),
    (
        "meeting_headcount_invalid",
        1,
        "कृपया 1 से 500 के बीच की संख्या दबाइए।",
        "Please type a number from 1 to 500.",
    ),
    (
        "meeting_choose_intro",
        1,
        "बैठक में कौन सा पाठ या कहानी सुनाएँ?",
        "Which lesson or story shall we play to the meeting?",
    ),
    (
        "meeting_pause",
        1,
        "अब आपस में बात कीजिए। समूह आगे सुनने के लिए तैयार हो, तब 1 दबाएँ।",
        "Now talk it over together. When the group is ready to go on, press 1.",
    ),
    (
        "meeting_question_offer",
        1,
        "समूह का सवाल हमारे विशेषज्ञों के लिए रिकॉर्ड करने के लिए 3 दबाएँ।",
        "To record the group's question for our experts, press 3.",
    ),
    (
        "meeting_poll_offer",
        1,
        "हाथ उठवाकर कुछ सवालों के जवाब गिनने के लिए 4 दबाएँ।",
        "To count raised hands for a few questions, press 4.",
    ),
    ("meeting_next", 1, "दूसरा पाठ सुनाने के लिए 1 दबाएँ।", "To play another lesson, press 1."),
    ("meeting_end", 1, "बैठक ख़त्म करने के लिए स्टार दबाएँ।", "To end the meeting, press star."),
    (
        "meeting_hands_count",
        1,
        "विकल्प {digit}: {label}। इसके लिए कितने लोगों ने हाथ उठाया? संख्या दबाइए, फिर हैश दबाएँ।",
        "Choice {digit}: {label}. How many people raised their hands for it? Type the number, then press hash.",
    ),
    ("meeting_thanks", 1, "बैठक में चौपाल सुनाने के लिए धन्यवाद।", "Thank you for bringing Chaupal to the meeting."),
]

PROMPTS = {
    prompt_id: Prompt(prompt_id, version, {"hi": hindi, "en": english})
    for prompt_id, version, hindi, english in _PROMPTS
}
