"""The addiction-care formulary: each drug's "must be said" facts on its printed pages, in English
and Spanish; its brand names find it; its handout builds in the scripts that need the most care."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import EXE, flat, pdf_text

ROOT = Path(__file__).resolve().parents[1]

#: drug -> (field, English sentence) for each fact its handout must say plainly
MUST = {
    "naltrexone": [
        ("warning", "Do not use any opioids for 7 to 10 days before you start. Opioids include heroin, fentanyl, "
                    "and oxycodone. They are also in some pain, cough, and diarrhea medicines."),
        ("warning", "After you stop naltrexone, miss a dose, or are late for a shot, opioids are more dangerous. "
                    "Even the amount you used to take can cause an overdose that kills you."),
        ("warning", "Opioid pain medicine may not work while you take naltrexone. Tell every doctor and dentist "
                    "that you take it. Carry a wallet card that says so."),
        ("uses", "It comes as a tablet and as a shot given once a month (Vivitrol). It works best with counseling."),
        ("group.title", "If you get the monthly shot"),
        ("side_effects.call_doctor", "Signs of liver problems: stomach pain that lasts more than a few days, dark "
                                     "urine, yellow skin or eyes, or feeling very tired"),
    ],
    "acamprosate": [
        ("warning", "Keep taking acamprosate even if you have a drink. Do not stop on your own. Tell your doctor or "
                    "counselor about the drink."),
        ("how_to_take", "Take it exactly as prescribed. The usual dose is 2 tablets, 3 times a day."),
        ("warning", "Tell your doctor if you have kidney disease. You may need a lower dose. People with severe "
                    "kidney disease must not take it."),
        ("warning", "Some people get depressed or think about suicide while they take it. Call your doctor right "
                    "away if your mood gets worse. Ask your family to watch for mood changes, too."),
        ("side_effects.common", "Diarrhea"),
    ],
    "disulfiram": [
        ("warning", "No one should ever give you this medicine without you knowing. Family and friends must never "
                    "hide it in food or drink."),
        ("precautions", "Alcohol on your skin can also cause a reaction. Check aftershave, rubbing lotions, and hand "
                        "sanitizer. Read every label."),
        ("warning", "A reaction can still happen up to 14 days after your last dose."),
        ("warning", "In rare cases it can badly harm your liver. If your skin or eyes turn yellow, call your doctor "
                    "right away."),
        ("how_to_take", "Carry a wallet card that says you take disulfiram. It should list the reaction signs and who "
                        "to call."),
        ("precautions", "Do not take disulfiram if you take or just took metronidazole (Flagyl). Metronidazole is an "
                        "antibiotic."),
        ("precautions", "Do you take warfarin, a blood thinner? Tell your doctor. Disulfiram can make you bleed more "
                        "easily. You may need more blood tests."),
    ],
    "buprenorphine-naloxone": [
        ("warning", "Wait for withdrawal before your first dose. Withdrawal is how your body feels when it misses "
                    "opioids. If you take it too soon after other opioids, you can get sudden, strong withdrawal."),
        ("warning", "Lock it up, away from children. A child who takes it by accident can stop breathing and die. If "
                    "a child takes any, call %(emergency_number)s right away."),
        ("steps.items", "After it melts, take a big sip of water. Swish it around your teeth and gums. Then swallow. "
                        "Wait at least 1 hour before you brush your teeth."),
        ("warning", "Do not stop taking it suddenly. Talk to your doctor first."),
    ],
    "methadone": [
        ("warning", "Methadone builds up in your body over several days. The first 2 weeks are the riskiest. Never "
                    "take extra, even if you still feel withdrawal."),
        ("warning", "Methadone can slow or stop your breathing. The risk is highest when you start and when your "
                    "dose goes up."),
        ("warning", "Methadone can cause a dangerous heart rhythm. If you faint, or your heart races or pounds, call "
                    "%(emergency_number)s."),
        ("storage", "Keep take-home doses locked up, out of sight and reach of children and visitors."),
        ("warning", "Keep naloxone at home. Naloxone is a rescue medicine for an opioid overdose. Show your family "
                    "where it is."),
    ],
    "naloxone": [
        ("warning", "Signs of an opioid overdose: the person will not wake up when you shout or rub their chest hard. "
                    "Their breathing is very slow or has stopped. The black centers of their eyes are very small."),
        ("steps.items", "Breathing? Turn them on their side. Watch them closely."),
        ("steps.items", "No change after 2 to 3 minutes? Give a new spray in the other nostril. Give a new spray every "
                        "2 to 3 minutes until they wake up or help comes."),
        ("warning", "Naloxone wears off, and the overdose can come back. Stay with the person until help comes. They "
                    "need emergency care, even if they wake up."),
        ("storage", "Store it at room temperature. Do not freeze it. Keep it away from high heat and light."),
        ("storage", "Check the expiration date. Replace it before it expires."),
    ],
    "gabapentin": [
        ("uses", "Gabapentin is a seizure medicine. It also eases some nerve pain."),
        ("off_label", "The FDA has not approved it to treat alcohol use. This is called off-label use."),
        ("warning", "Gabapentin with opioids, alcohol, or other drugs that make you sleepy can slow or stop your "
                    "breathing. Opioids include oxycodone, heroin, and fentanyl."),
        ("warning", "Some people misuse gabapentin, often with opioids. Take only your own dose. Never take more, or "
                    "take it more often, than your label says."),
        ("side_effects.call_doctor", "Thoughts about suicide or dying"),
        ("warning", "Do not stop gabapentin suddenly. Stopping suddenly can cause seizures."),
    ],
    "topiramate": [
        ("off_label", "The FDA has not approved it to treat alcohol use. This is called off-label use."),
        ("warning", "Sudden eye pain, eye redness, or blurry vision can be a serious eye problem called glaucoma. Get "
                    "emergency care right away. Without fast care, you could lose your sight for good."),
        ("how_to_take", "Drink plenty of water every day. This helps prevent kidney stones."),
        ("warning", "If you could get pregnant, use effective birth control. Topiramate can make birth control with "
                    "estrogen, like the pill, work less well. Ask your doctor which method to use."),
        ("warning", "Do not stop topiramate suddenly. Stopping suddenly can cause seizures."),
    ],
    "varenicline": [
        ("warning", "Set a quit date. Start varenicline 1 week before that date. It needs time to build up in your "
                    "body. You may keep smoking in that first week."),
        ("how_to_take", "Upset stomach (nausea) is common. Always take it after you eat, with a full glass of water."),
        ("warning", "Some people have new or worse mood or behavior changes. Watch for anger, acting aggressive, "
                    "feeling very restless, feeling sad, or thoughts of suicide."),
        ("warning", "It can change how alcohol affects you. Some people got drunk faster, acted strange or aggressive, "
                    "or forgot what happened. Drink less until you know how it affects you."),
        ("warning", "Seizures are rare, but they have happened, mostly in the first month. If you have a seizure, stop "
                    "taking it and get medical help right away."),
    ],
}
DRUGS = list(MUST)
BRANDS = {"revia": "naltrexone", "VIVITROL": "naltrexone", "Campral": "acamprosate", "antabuse": "disulfiram",
          "Suboxone": "buprenorphine-naloxone", "zubsolv": "buprenorphine-naloxone", "Dolophine": "methadone",
          "methadose": "methadone", "NARCAN": "naloxone", "Kloxxado": "naloxone", "neurontin": "gabapentin",
          "Gralise": "gabapentin", "Horizant": "gabapentin", "topamax": "topiramate", "Trokendi XR": "topiramate",
          "Qudexy XR": "topiramate", "Chantix": "varenicline", "champix": "varenicline"}


def _spanish() -> dict[tuple[str | None, str], str]:
    from babel.messages.pofile import read_po

    with open(ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po", encoding="utf-8") as f:
        return {(m.context, m.id): m.string for m in read_po(f) if m.id and not m.fuzzy}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    out = tmp_path_factory.mktemp("formulary")
    files = {}
    for drug in DRUGS:
        for lang in ("en", "es", "ar", "zh-Hans", "hi"):
            path = out / f"{drug}-{lang}.pdf"
            r = subprocess.run([str(EXE), "make", "--drug", drug, "--lang", lang, "--paper", "letter",
                                "--out", str(path)], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            files[(drug, lang)] = path
    return files


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("drug", DRUGS)
def test_each_must_be_said_fact_is_on_the_page(made, drug, lang):
    text = flat(" ".join(pdf_text(made[(drug, lang)])))
    spanish = _spanish() if lang == "es" else {}
    for field, english in MUST[drug]:
        sentence = english if lang == "en" else spanish[(f"{drug}:{field}", english)]
        sentence = sentence.replace("%(emergency_number)s", "911")
        assert flat(sentence) in text, f"{drug} ({lang}): {sentence!r}"


@pytest.mark.parametrize("lang", ["en", "es", "ar", "zh-Hans", "hi"])
@pytest.mark.parametrize("drug", DRUGS)
def test_each_handout_is_three_pages_or_fewer_on_letter(made, drug, lang):
    assert len(pdf_text(made[(drug, lang)])) <= 3


@pytest.mark.parametrize("brand, drug", list(BRANDS.items()))
def test_a_brand_name_in_any_case_finds_its_drug(cli, tmp_path, brand, drug):
    r = cli("make", "--drug", brand, "--lang", "en")
    assert r.code == 0, r
    assert (tmp_path / f"{drug}-en.pdf").is_file()
    assert drug in r.err  # says which generic it made


def test_naloxone_speaks_to_family_and_friends_with_numbered_steps(made):
    text = flat(pdf_text(made[("naloxone", "en")])[0])
    assert "Information for family and friends" in text
    assert "If you miss a dose" not in text and "Do not stop suddenly" not in text
    first = text.index("1 ")
    assert text.index("Shout", first) < text.index("Call 911", first) < text.index("nostril", first)


def test_every_english_section_reads_at_grade_six_or_below(cli):
    r = cli("check", "--lang", "en", "--no-layout", "--json")
    report = json.loads(r.out)
    for drug in DRUGS:
        grades = report["readability"][drug]["en"]
        scored = {k: v["grade"] for k, v in grades.items() if v.get("scored")}
        assert scored and all(g <= 6 for g in scored.values()), (drug, scored)


def test_list_shows_every_drug_with_its_brands(cli):
    r = cli("list")
    assert r.code == 0, r
    for drug in DRUGS:
        assert any(line.split()[:1] == [drug] for line in r.out.splitlines()), drug
    assert "Narcan, Kloxxado" in r.out
