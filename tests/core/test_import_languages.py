"""A contact import's report is written in the language of the person who uploaded the file."""

import io
import re

from core.i18n import COOKIE
from tests.helpers import csrf_token, english_left

BAD_FILE = b"phone,role,district,topics\n12345,mason,,\n+919812345678,chief,Nowhere,flying\n"


def _upload(client, work, body: bytes) -> str:
    data = {"csrf_token": csrf_token(client, "/people/import"), "file": (io.BytesIO(body), "c.csv")}
    answer = client.post("/people/import", data=data, content_type="multipart/form-data")
    work("default")
    return client.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_hindi_uploader_reads_every_problem_in_hindi(client, login, work):
    admin = login("admin")
    client.set_cookie(COOKIE, "hi")
    page = _upload(client, work, BAD_FILE)
    assert "पंक्ति 2: &#39;12345&#39; सही फ़ोन नंबर नहीं है" in page
    assert "भूमिका &#39;chief&#39; इनमें से नहीं है" in page and "अनजाने विषय: flying" in page
    assert "2 पंक्तियों में 2 गड़बड़ियाँ: कुछ भी आयात नहीं हुआ।" in page
    typed = ("chief", "Nowhere", "flying", "mason", "motivator", "official", "other", admin.username)
    without_code = re.sub(r"<code>.*?</code>", "", page.split("</header>")[1])  # column names, topic slugs
    assert english_left(without_code, typed) == set()


def test_an_english_uploader_reads_it_in_english(client, login, work):
    login("admin")
    page = _upload(client, work, BAD_FILE)
    assert "line 2: &#39;12345&#39; is not a valid phone number" in page
    assert "2 problem(s) in 2 row(s): nothing was imported." in page
