"""Every sentence the phone line speaks, by prompt id, in Hindi and English.

A prompt is played from uploaded audio (audio.prompt_audio.prompt_audio_url) when an admin has uploaded
it for the caller's language, otherwise spoken with <Say>. Prompts with {placeholders} carry data
(a topic name, a lesson title) and are always spoken. Raise `version` whenever a text's meaning
changes: consent records store the id, version and exact words the caller heard.
"""

import re
from dataclasses import dataclass

from flask_babel import gettext


@dataclass(frozen=True)
class Prompt:
    id: str
    version: int
    text: dict[str, str]  # language code -> words

    @property
    def has_placeholders(self) -> bool:
        return "{" in self.text["en"]


FALLBACK_LANGUAGES = ("hi", "en")  # used, in order, for a language whose text is missing

_PROMPTS = [
    # choosing a language: each language's line is spoken in that language
    ("language_option", 1, "हिन्दी के लिए {digit} दबाएँ।", "For English, press {digit}."),
    # greetings
    (
        "welcome",
        1,
        "चौपाल में आपका स्वागत है। यह स्वच्छता कर्मियों के लिए सीखने की मुफ़्त लाइन है।",
        "Welcome to Chaupal, the free learning line for sanitation workers.",
    ),
    ("welcome_back", 1, "चौपाल में फिर से आपका स्वागत है।", "Welcome back to Chaupal."),
    # the main menu's key 1 for a caller with a lesson of their own: to continue, or the next one
    (
        "resume_offer",
        2,
        "आपका अधूरा पाठ: {title}। जहाँ छोड़ा था वहीं से सुनने के लिए 1 दबाएँ।",
        "Your unfinished lesson: {title}. To continue where you left off, press 1.",
    ),
    (
        "next_offer",
        1,
        "आपके लिए पाठ: {title}। इसे सुनने के लिए 1 दबाएँ।",
        "A lesson for you: {title}. To listen to it, press 1.",
    ),
    ("menu_all_lessons", 1, "सभी विषयों के पाठों के लिए 5 दबाएँ।", "For lessons on every topic, press 5."),
    # main menu, one line per option
    ("menu_lessons", 1, "पाठ सुनने के लिए 1 दबाएँ।", "To listen to lessons, press 1."),
    (
        "menu_stories",
        1,
        "कर्मियों की कहानियाँ सुनने के लिए 2 दबाएँ।",
        "For workers' stories, press 2.",
    ),
    ("menu_record_story", 1, "अपना अनुभव रिकॉर्ड करने के लिए 3 दबाएँ।", "To record your own experience, press 3."),
    ("menu_ask_question", 1, "सवाल पूछने के लिए 4 दबाएँ।", "To ask a question, press 4."),
    ("menu_more", 1, "और विकल्पों के लिए 9 दबाएँ।", "For more options, press 9."),
    # lists of topics, lessons and stories
    ("topics_intro", 1, "किस विषय पर पाठ सुनना चाहेंगे?", "Which topic would you like to learn about?"),
    ("lessons_intro", 1, "कौन सा पाठ सुनना चाहेंगे?", "Which lesson would you like to hear?"),
    # "{name} के लिए" would need the oblique form of every title (धोना -> धोने): name first, then the key
    ("item_option", 2, "{name}: इसके लिए {digit} दबाएँ।", "{name}: press {digit}."),
    ("more_option", 2, "सूची में और नाम सुनने के लिए 8 दबाएँ।", "To hear more of the list, press 8."),
    ("back_hint", 1, "पीछे जाने के लिए स्टार दबाएँ।", "To go back, press star."),
    (
        "no_lessons",
        1,
        "इस भाषा में अभी कोई पाठ नहीं है। कृपया कुछ दिनों बाद फिर कॉल करें।",
        "There are no lessons in this language yet. Please call again in a few days.",
    ),
    (
        "no_stories",
        1,
        "अभी कोई कहानी नहीं है। आप अपनी कहानी रिकॉर्ड करके सबसे पहले बन सकते हैं।",
        "There are no stories yet. You can be the first: record your own.",
    ),
    # listening
    # said once per call (and kind), naming only the neighbours that exist
    (
        "playback_help",
        2,
        "सुनते समय: आगे बढ़ने के लिए हैश, दोहराने के लिए 0, और सूची के लिए स्टार दबाएँ।",
        "While listening: press hash to skip ahead, 0 to repeat, and star for the list.",
    ),
    (
        "playback_both_lesson",
        1,
        "पिछले पाठ के लिए 4, और अगले पाठ के लिए 6 दबाएँ।",
        "Press 4 for the previous lesson, and 6 for the next lesson.",
    ),
    ("playback_previous_lesson", 1, "पिछले पाठ के लिए 4 दबाएँ।", "Press 4 for the previous lesson."),
    ("playback_next_lesson", 1, "अगले पाठ के लिए 6 दबाएँ।", "Press 6 for the next lesson."),
    (
        "playback_both_story",
        1,
        "पिछली कहानी के लिए 4, और अगली कहानी के लिए 6 दबाएँ।",
        "Press 4 for the previous story, and 6 for the next story.",
    ),
    ("playback_previous_story", 1, "पिछली कहानी के लिए 4 दबाएँ।", "Press 4 for the previous story."),
    ("playback_next_story", 1, "अगली कहानी के लिए 6 दबाएँ।", "Press 6 for the next story."),
    ("story_by_voice", 1, "यह कहानी सुना रहे हैं:", "This story is told by:"),  # then their recorded name
    (
        "name_offer",
        1,
        "आपने अपनी कहानी अपने नाम के साथ साझा की है। अपना नाम अपनी आवाज़ में रिकॉर्ड करने के लिए 1 दबाएँ, "
        "फिर हर कहानी से पहले आपका नाम आपकी आवाज़ में सुनाया जाएगा। अभी नहीं, तो स्टार दबाएँ।",
        "You shared your story with your name. To record your name in your own voice, press 1: it will be "
        "played before each of your stories. Not now: press star.",
    ),
    (
        "record_name",
        1,
        "बीप के बाद केवल अपना नाम बोलिए, फिर हैश दबाएँ।",
        "After the beep, say only your name, then press hash.",
    ),
    (
        "recording_kept_name",
        1,
        "धन्यवाद! हमारी टीम इसे सुनेगी, फिर आपकी कहानियों से पहले आपका नाम आपकी आवाज़ में सुनाया जाएगा।",
        "Thank you! Once our team has listened to it, your stories will start with your name in your voice.",
    ),
    ("story_by", 2, "यह कहानी सुना रहे हैं: {name}।", "A story from {name}."),
    # who told it (their work and district, from their registration), before each story
    (
        "teller_role_district",
        1,
        "काम: {role}। ज़िला: {district}।",
        "Told by a {role} from {district} district.",
    ),
    ("teller_role", 1, "काम: {role}।", "Told by a {role}."),
    ("teller_district", 1, "ज़िला: {district}।", "Told by a worker from {district} district."),
    ("lesson_finished", 1, "यह पूरा हुआ।", "You have heard it all."),
    (
        "feedback_ask",
        1,
        "क्या यह आपके काम का था? हाँ के लिए 1, नहीं के लिए 2 दबाएँ।",
        "Was this useful to you? Press 1 for yes, 2 for no.",
    ),
    (
        "after_options_lesson",
        1,
        "इस पाठ के बारे में सवाल पूछने के लिए 3 दबाएँ। अगले पाठ के लिए 6, और सूची के लिए स्टार दबाएँ।",
        "To ask a question about this lesson, press 3. For the next lesson, press 6. For the list, press star.",
    ),
    (
        "after_options_story",
        1,
        "इस कहानी के बारे में सवाल पूछने के लिए 3 दबाएँ। अगली कहानी के लिए 6, और सूची के लिए स्टार दबाएँ।",
        "To ask a question about this story, press 3. For the next story, press 6. For the list, press star.",
    ),
    (
        "feedback_thanks",
        1,
        "धन्यवाद। आपके जवाब से हम पाठ बेहतर बनाते हैं।",
        "Thank you. Your answer helps us make the lessons better.",
    ),
    ("list_end", 1, "इसके आगे कुछ नहीं है।", "There is nothing more in this direction."),
    (
        "at_first_lesson",
        1,
        "यह पहला पाठ है, इससे पहले कोई पाठ नहीं है।",
        "This is the first lesson; there is none before it.",
    ),
    (
        "at_last_lesson",
        1,
        "यह आख़िरी पाठ है, इसके बाद कोई पाठ नहीं है।",
        "This is the last lesson; there is none after it.",
    ),
    (
        "at_first_story",
        1,
        "यह पहली कहानी है, इससे पहले कोई कहानी नहीं है।",
        "This is the first story; there is none before it.",
    ),
    (
        "at_last_story",
        1,
        "यह आख़िरी कहानी है, इसके बाद कोई कहानी नहीं है।",
        "This is the last story; there is none after it.",
    ),
    # consent before any recording
    (
        "consent_story",
        1,
        "आपकी कहानी इस लाइन पर दूसरे कर्मी सुन सकेंगे। अपने नाम के साथ साझा करने के लिए 1 दबाएँ। "
        "बिना नाम के साझा करने के लिए 2 दबाएँ। इसे केवल प्रशिक्षकों के लिए रखने के लिए 3 दबाएँ। "
        "रिकॉर्ड किए बिना वापस जाने के लिए स्टार दबाएँ।",
        "Other workers on this line may hear your story. To share it with your name, press 1. "
        "To share it without your name, press 2. To keep it for trainers only, press 3. "
        "To go back without recording, press star.",
    ),
    (
        "consent_question",
        1,
        "आपका सवाल हमारे विशेषज्ञ सुनेंगे, और उसका जवाब दूसरे कर्मियों के भी काम आ सकता है। "
        "अपने नाम के साथ साझा करने के लिए 1 दबाएँ। बिना नाम के साझा करने के लिए 2 दबाएँ। "
        "इसे केवल प्रशिक्षकों और विशेषज्ञों के लिए रखने के लिए 3 दबाएँ। "
        "रिकॉर्ड किए बिना वापस जाने के लिए स्टार दबाएँ।",
        "Our experts will listen to your question, and the answer may help other workers too. "
        "To share it with your name, press 1. To share it without your name, press 2. "
        "To keep it for trainers and experts only, press 3. To go back without recording, press star.",
    ),
    ("consent_declined", 1, "ठीक है, कुछ भी रिकॉर्ड नहीं किया गया।", "All right, nothing was recorded."),
    # recording
    (
        "record_story",
        2,
        "बीप के बाद बताइए: क्या समस्या थी, आपने क्या किया, फिर क्या हुआ, और अगली बार आप क्या अलग करेंगे। "
        "जो काम नहीं आया, वह भी बताइए, उससे भी दूसरे सीखते हैं। आप {minutes} मिनट तक बोल सकते हैं। "
        "बात पूरी होने पर हैश दबाएँ।",
        "After the beep, tell us: what was the problem, what you did, what happened, and what you would do "
        "differently next time. Tell us what did not work too: others learn from that as well. You can "
        "speak for up to {minutes} minutes. Press hash when you have finished.",
    ),
    (
        "record_question",
        1,
        "बीप के बाद अपना सवाल पूछिए। बात पूरी होने पर हैश दबाएँ।",
        "After the beep, ask your question. Press hash when you have finished.",
    ),
    (
        "review_options",
        1,
        "अपनी रिकॉर्डिंग रखने के लिए 1 दबाएँ। उसे सुनने के लिए 2 दबाएँ। फिर से रिकॉर्ड करने के लिए 3 दबाएँ। "
        "उसे मिटाकर वापस जाने के लिए स्टार दबाएँ।",
        "To keep your recording, press 1. To listen to it, press 2. To record it again, press 3. "
        "To delete it and go back, press star.",
    ),
    (
        "recording_kept_story",
        2,
        "धन्यवाद! आपकी कहानी सहेज ली गई है। हमारी टीम इसे सुनेगी, और जब यह लाइन पर आएगी तो हम आपको संदेश भेजेंगे।",
        "Thank you! Your story has been saved. Our team will listen to it, and we will send you a message "
        "when it is on the line.",
    ),
    (
        "recording_kept_question",
        1,
        "धन्यवाद! आपका सवाल सहेज लिया गया है। जवाब मिलने पर हम आपको कॉल करेंगे।",
        "Thank you! Your question has been saved. We will call you when there is an answer.",
    ),
    ("recording_discarded", 1, "रिकॉर्डिंग मिटा दी गई।", "The recording was deleted."),
    (
        "recording_empty",
        1,
        "हमें कुछ सुनाई नहीं दिया। फिर से कोशिश करने के लिए 1 दबाएँ। वापस जाने के लिए स्टार दबाएँ।",
        "We did not hear anything. To try again, press 1. To go back, press star.",
    ),
    # stop calls and messages (key 9 from anywhere)
    (
        "stop_options",
        3,
        "हमारी ओर से सभी कॉल और संदेश बंद करने के लिए 1 दबाएँ। अपनी रिकॉर्डिंग और अपनी सारी जानकारी मिटाने के लिए "
        "2 दबाएँ।",
        "To stop all calls and messages from us, press 1. To delete your recordings and everything we know "
        "about you, press 2.",
    ),
    (
        "restart_options",
        3,
        "आपने हमारी कॉल और संदेश बंद किए हुए हैं। उन्हें फिर से शुरू करने के लिए 1 दबाएँ। अपनी रिकॉर्डिंग और "
        "अपनी सारी जानकारी मिटाने के लिए 2 दबाएँ।",
        "You have stopped our calls and messages. To start them again, press 1. To delete your recordings "
        "and everything we know about you, press 2.",
    ),
    ("more_language", 1, "भाषा बदलने के लिए 3 दबाएँ।", "To change the language, press 3."),
    (
        "missed_call_on",
        1,
        "मुफ़्त में सुनने के लिए: आप कॉल करें, हम कॉल काटकर तुरंत आपको वापस कॉल करेंगे। यह चालू करने के लिए 4 दबाएँ।",
        "To listen for free: you ring, we hang up and call you straight back. To switch this on, press 4.",
    ),
    (
        "missed_call_off",
        1,
        "अभी हम आपकी कॉल काटकर वापस कॉल करते हैं। इसे बंद करने के लिए 4 दबाएँ।",
        "Now we hang up and call you back when you ring. To switch this off, press 4.",
    ),
    (
        "missed_call_is_on",
        1,
        "हो गया। अगली बार से आपकी कॉल कटेगी और हम तुरंत आपको वापस कॉल करेंगे।",
        "Done. From your next call, we will hang up and call you straight back.",
    ),
    (
        "missed_call_is_off",
        1,
        "हो गया। अब आपकी कॉल सीधे जुड़ेगी।",
        "Done. Your calls will now be answered directly.",
    ),
    (
        "erase_confirm",
        1,
        "इससे आपकी सभी रिकॉर्डिंग, आपकी कहानियाँ और आपकी जानकारी हमेशा के लिए मिट जाएँगी। यह वापस नहीं हो सकता। "
        "मिटाने के लिए 1 दबाएँ। वापस जाने के लिए स्टार दबाएँ।",
        "This deletes all your recordings, your stories and your details for good. It cannot be undone. "
        "To delete them, press 1. To go back, press star.",
    ),
    (
        "erased",
        1,
        "ठीक है। आपकी सारी जानकारी कुछ ही मिनटों में मिटा दी जाएगी। चौपाल पर कॉल करने के लिए धन्यवाद।",
        "All right. Everything we hold about you will be deleted within a few minutes. "
        "Thank you for calling Chaupal. Goodbye.",
    ),
    (
        "stopped",
        1,
        "हो गया। अब हम आपको कॉल या संदेश नहीं भेजेंगे। आप यह लाइन कभी भी कॉल कर सकते हैं, "
        "और 9 दबाकर इन्हें फिर से शुरू कर सकते हैं।",
        "Done. We will not call or message you any more. You can still call this line at any time, "
        "and press 9 to start them again.",
    ),
    (
        "restarted",
        1,
        "हो गया। अब आपको फिर से हमारी कॉल और संदेश मिलेंगे।",
        "Done. You will get our calls and messages again.",
    ),
    (
        "stop_unknown_number",
        1,
        "आपका नंबर छिपा हुआ है, इसलिए हम यह बदलाव नहीं कर सकते।",
        "Your number is hidden, so we cannot make this change for you.",
    ),
    # first call: who is calling (role and district), skippable
    (
        "register_intro",
        1,
        "हम आपको सही पाठ भेज सकें, इसलिए अपने काम के बारे में थोड़ा बताइए।",
        "So that we can send you the right lessons, tell us a little about your work.",
    ),
    (
        "register_role",
        2,
        "अगर आप राजमिस्त्री हैं तो 1 दबाएँ। अगर आप प्रेरक या स्वच्छाग्रही हैं तो 2 दबाएँ। किसी और काम के लिए 3 दबाएँ।",
        "If you are a mason, press 1. If you are a motivator, press 2. For any other work, press 3.",
    ),
    ("register_skip", 1, "अभी नहीं बताना हो तो स्टार दबाएँ।", "To skip this for now, press star."),
    ("register_state_intro", 1, "आप किस राज्य में काम करते हैं?", "Which state do you work in?"),
    ("register_district_intro", 1, "आप किस ज़िले में काम करते हैं?", "Which district do you work in?"),
    (
        "register_confirm",
        1,
        "आपने बताया: {role}, ज़िला {district}, {state}। यह सही है तो 1 दबाएँ। फिर से बताने के लिए 2 दबाएँ। "
        "छोड़ने के लिए स्टार दबाएँ।",
        "You told us: {role}, {district} district, {state}. If this is right, press 1. To change it, "
        "press 2. To skip, press star.",
    ),
    ("register_thanks", 1, "धन्यवाद! आपकी जानकारी सहेज ली गई है।", "Thank you! We have saved your details."),
    # role names, spoken inside register_confirm
    ("role_mason", 1, "राजमिस्त्री", "mason"),
    ("role_motivator", 1, "प्रेरक", "motivator"),
    ("role_official", 1, "अधिकारी", "official"),
    ("role_other", 1, "दूसरा काम", "other work"),
    # calls we place: a campaign's broadcast
    ("broadcast_intro", 1, "नमस्ते। चौपाल की ओर से आपके लिए एक संदेश।", "Hello. A message for you from Chaupal."),
    (
        "broadcast_feedback",
        1,
        "क्या यह उपयोगी था? हाँ के लिए 1 दबाएँ, नहीं के लिए 2 दबाएँ।",
        "Was this useful? Press 1 for yes, 2 for no.",
    ),
    ("broadcast_thanks", 1, "धन्यवाद।", "Thank you."),
    ("broadcast_more", 1, "और सुनने के लिए 1 दबाएँ।", "To hear more, press 1."),
    ("broadcast_bye", 1, "चौपाल से जुड़ने के लिए धन्यवाद। नमस्ते।", "Thank you for listening to Chaupal. Goodbye."),
    (
        "broadcast_missing",
        1,
        "माफ़ कीजिए, यह संदेश अभी उपलब्ध नहीं है।",
        "Sorry, this message is not available right now.",
    ),
    # calls we place: an expert's answer to the caller's question (their question is played first)
    (
        "answer_intro",
        1,
        "नमस्ते, यह चौपाल है। आपने हमसे यह सवाल पूछा था।",
        "Hello, this is Chaupal. You asked us this question.",
    ),
    ("answer_follows", 1, "अब विशेषज्ञ का जवाब सुनिए।", "Now here is the expert's answer."),
    ("answer_replay", 1, "जवाब दोबारा सुनने के लिए 1 दबाएँ।", "To hear the answer again, press 1."),
    ("answer_goodbye", 1, "चौपाल पर सवाल पूछने के लिए धन्यवाद।", "Thank you for asking Chaupal."),
    # on the line: answers to the caller's own questions
    (
        "answer_waiting",
        1,
        "आपके सवाल का जवाब आ गया है। सुनने के लिए 1 दबाएँ। मुख्य मेन्यू के लिए 2 दबाएँ।",
        "An answer to your question is waiting. To hear it, press 1. For the main menu, press 2.",
    ),
    (
        "menu_answers",
        1,
        "अपने सवालों के जवाब सुनने के लिए 6 दबाएँ।",
        "To hear the answers to your questions, press 6.",
    ),
    ("answers_intro", 1, "किस सवाल का जवाब सुनना चाहेंगे?", "Which answer would you like to hear?"),
    ("answers_no_topic", 1, "आपका सवाल", "Your question"),
    (
        "new_answer_offer",
        1,
        "आपके विषय पर एक नया सवाल और विशेषज्ञ का जवाब: {title}। सुनने के लिए 1 दबाएँ। मुख्य मेन्यू के लिए 2 दबाएँ।",
        "A new question and an expert's answer on your topic: {title}. To hear it, press 1. "
        "For the main menu, press 2.",
    ),
    ("answer_asked", 1, "आपने यह सवाल पूछा था।", "You asked this question."),
    # calls we place: a thank-you to a story's teller
    ("thanks_intro", 1, "नमस्ते, यह चौपाल है।", "Hello, this is Chaupal."),
    # mistakes and endings
    ("invalid", 1, "माफ़ कीजिए, यह विकल्प नहीं है।", "Sorry, that is not one of the choices."),
    ("no_input", 1, "माफ़ कीजिए, हमें कोई बटन दबाया हुआ नहीं मिला।", "Sorry, we did not hear a key press."),
    ("goodbye", 1, "चौपाल पर कॉल करने के लिए धन्यवाद। फिर मिलेंगे।", "Thank you for calling Chaupal. Goodbye."),
    (
        "goodbye_no_input",
        1,
        "लगता है अभी बात करना मुश्किल है। कृपया बाद में फिर कॉल करें। धन्यवाद।",
        "It seems this is not a good moment. Please call again later. Goodbye.",
    ),
    (
        "technical_problem",
        1,
        "माफ़ कीजिए, अभी तकनीकी समस्या है। कृपया थोड़ी देर बाद फिर कॉल करें।",
        "Sorry, we are having a technical problem. Please call again in a little while.",
    ),
]

PROMPTS: dict[str, Prompt] = {
    prompt_id: Prompt(prompt_id, version, {"hi": hindi, "en": english})
    for prompt_id, version, hindi, english in _PROMPTS
}


def text(prompt_id: str, language_code: str, **values) -> str:
    """The prompt's words in the language (or a fallback language), with placeholders filled."""
    words = PROMPTS[prompt_id].text
    for code in (language_code, *FALLBACK_LANGUAGES):
        if code in words:
            return fill(words[code], values) if values else words[code]
    raise KeyError(f"prompt {prompt_id} has no text")


# Words are data, never a format string: a placeholder is {name} and nothing else, so no format spec
# ({digit:>3000000}), conversion or attribute access can reach Python's formatter from an admin's edit.
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
MAX_LENGTH = 600


class WordsError(ValueError):
    """Words that are not plain text with the prompt's own {placeholders}."""


def placeholders(words: str) -> set[str]:
    """The names of the {placeholders} in the words."""
    return set(PLACEHOLDER.findall(words))


def check_words(words: str, shipped: str) -> None:
    """Refuse words that are too long, hold braces other than plain placeholders, or change them."""
    if len(words) > MAX_LENGTH:
        raise WordsError(
            gettext("keep a prompt under %(count)d characters: callers hear it on a phone", count=MAX_LENGTH)
        )
    stray = PLACEHOLDER.sub("", words)
    if "{" in stray or "}" in stray:
        raise WordsError(gettext("a brace is not allowed except in a placeholder written exactly as {name}"))
    if placeholders(words) != placeholders(shipped):
        wanted = ", ".join(sorted("{" + name + "}" for name in placeholders(shipped)))
        if not wanted:
            raise WordsError(gettext("these words take no {placeholders}: write them out in full"))
        raise WordsError(gettext("the words must keep exactly these placeholders: %(names)s", names=wanted))


def fill(words: str, values: dict) -> str:
    """The words with each {name} replaced by its value (WordsError if a value is missing)."""
    missing = placeholders(words) - values.keys()
    if missing:
        raise WordsError(f"no value for {', '.join(sorted(missing))}")
    return PLACEHOLDER.sub(lambda match: str(values[match[1]]), words)
