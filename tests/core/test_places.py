"""Place names per language: the seed geography in Devanagari, the CSV import's extra columns, the line."""

import io
import re

from sqlalchemy import select

from core.db import db
from core.models import Block, District, GramPanchayat, Language, State
from core.seed import import_geography

DEVANAGARI = re.compile(r"^[\u0900-\u097F ]+$")


def test_every_seeded_place_has_a_hindi_name_in_devanagari():
    for model in (State, District, Block, GramPanchayat):
        places = db.session.scalars(select(model)).all()
        assert places and all(DEVANAGARI.match(place.name_hi) for place in places), model.__name__


def test_a_place_is_named_in_the_language_asked_for_and_falls_back_to_its_name():
    sitapur = db.session.scalar(select(District).filter_by(name="Sitapur"))
    assert sitapur.name_in("hi") == "सीतापुर" and sitapur.name_in(db.session.get(Language, "hi")) == "सीतापुर"
    assert sitapur.name_in("en") == sitapur.name_in(None) == "Sitapur"
    assert sitapur.label == "Sitapur · सीतापुर"
    sitapur.name_hi = ""
    assert sitapur.name_in("hi") == "Sitapur" and sitapur.label == "Sitapur"


def csv_file(*rows: str) -> io.StringIO:
    header = "state,district,block,gram_panchayat,state_hi,district_hi,block_hi,gram_panchayat_hi"
    return io.StringIO("\n".join([header, *rows]) + "\n")


def test_the_import_takes_hindi_names_for_new_and_existing_places():
    report = import_geography(
        csv_file(
            "Bihar,Gaya,Bodh Gaya,,बिहार,गया,बोध गया,",
            "Bihar,Muzaffarpur,Kanti,Damodarpur,बिहार,मुज़फ़्फ़रपुर,कांटी,दामोदरपुर",
        )
    )
    assert report.errors == [] and report.created["district"] == 1 and report.named == 4
    assert "named 4 place(s) in Hindi" in report.lines()[0]
    block = db.session.scalar(select(Block).filter_by(name="Bodh Gaya"))
    assert block.name_in("hi") == "बोध गया"  # renamed
    panchayat = db.session.scalar(select(GramPanchayat).filter_by(name="Damodarpur"))
    assert panchayat.name_in("hi") == "दामोदरपुर" and panchayat.block.district.name_in("hi") == "मुज़फ़्फ़रपुर"


def test_a_hindi_name_not_in_devanagari_refuses_the_whole_file():
    report = import_geography(
        csv_file("Bihar,Patna,Danapur,,बिहार,पटना,दानापुर,", "Bihar,Patna,Bihta,,बिहार,Patna,बिहटा,")
    )
    assert report.errors == ["line 3: district_hi must be written in Devanagari"]
    db.session.expire_all()
    assert db.session.scalar(select(District).filter_by(name="Patna")) is None


def test_files_without_the_hindi_columns_still_import():
    report = import_geography(io.StringIO("state,district,block,gram_panchayat\nBihar,Patna,Danapur,\n"))
    assert report.errors == [] and report.created["block"] == 1 and report.named == 0
    assert db.session.scalar(select(District).filter_by(name="Patna")).name_in("hi") == "Patna"
