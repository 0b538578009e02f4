"""What the FDA labels ask a patient to act on is on the printed page, in English and Spanish:
each safety sentence with its action, read back from the PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import flat, pdf_text

ROOT = Path(__file__).resolve().parents[1]

#: (drug, msgctxt field, English sentence): one or more per gap of the safety review
GAPS = {
    "lamotrigine restart": [
        ("lamotrigine", "warning", "If you stop it for any reason, do not start again on your own. Call your doctor "
                                   "first. You may need to start again at a low dose."),
        ("lamotrigine", "key_points", "Stopped it for any reason? Call your doctor before you start again."),
    ],
    "lamotrigine rash: what to do, when, valproate": [
        ("lamotrigine", "warning", "At the first sign of a rash, call your doctor right away. This includes hives, "
                                   "blisters, mouth sores, or swollen glands with fever. Your doctor will most "
                                   "likely stop the medicine."),
        ("lamotrigine", "warning", "The risk is higher in children, if your dose goes up too fast, or if you also "
                                   "take valproate. Valproate is a seizure medicine, also sold as Depakote or "
                                   "Depakene."),
        ("lamotrigine", "warning", "A serious rash is most likely in the first 2 to 8 weeks. But it can start at any time."),
    ],
    "lamotrigine meningitis, HLH, mood": [
        ("lamotrigine", "side_effects.call_doctor", "Headache with fever and a stiff neck"),
        ("lamotrigine", "side_effects.call_doctor", "A fever that does not go away, or swollen glands with a fever"),
        ("lamotrigine", "side_effects.call_doctor", "New or worse sadness, worry, or anger, or acting on dangerous "
                                                    "impulses"),
    ],
    "lamotrigine birth control, pregnancy, breastfeeding": [
        ("lamotrigine", "precautions", "Birth control pills, patches, and rings with estrogen can lower the amount of "
                                       "lamotrigine in your body. Tell your doctor before you start or stop any of "
                                       "them. In the week without hormones, the amount can go up. Tell your doctor if "
                                       "you feel dizzy or see double in that week, or if you bleed between periods."),
        ("lamotrigine", "precautions", "Pregnant or want to be? Tell your doctor. Do not stop on your own. Your dose "
                                       "may need to change."),
        ("lamotrigine", "precautions", "Lamotrigine passes into breast milk. Call your baby's doctor if your baby is "
                                       "very sleepy, feeds poorly, or has pauses in breathing."),
    ],
    "baclofen with opioids, benzodiazepines, alcohol": [
        ("baclofen", "warning", "Baclofen with alcohol, opioids, or benzodiazepines can slow or stop your breathing. "
                                "Opioids include oxycodone, heroin, and fentanyl. Benzodiazepines are anxiety pills "
                                "such as Xanax, Valium, and Ativan."),
        ("baclofen", "key_points", "With alcohol, opioids, or benzodiazepines, it can slow or stop your breathing."),
    ],
    "baclofen withdrawal signs, pump group": [
        ("baclofen", "stopping", "Signs of withdrawal: seeing or hearing things that are not there, confusion, "
                                 "seizures, high fever, stiff muscles, and itching. Call your doctor right away if "
                                 "you have any of them."),
        ("baclofen", "stopping", "These signs can look like alcohol withdrawal, but they come from stopping "
                                 "baclofen. Tell every doctor who treats you that you take baclofen."),
        ("baclofen", "group.title", "If you have a baclofen pump"),
        ("baclofen", "group.items", "Early signs that the pump stopped: your old stiffness or spasms come back, "
                                    "itching, tingling, or feeling faint."),
    ],
    "missed dose: the standard step": [
        ("baclofen", "missed_dose", "Missed a dose? Take it when you remember. But if it is almost time for your "
                                    "next dose, skip the missed one."),
        ("lamotrigine", "missed_dose", "Missed a dose? Take it when you remember. But if it is almost time for your "
                                       "next dose, skip the missed one."),
        ("lamotrigine", "missed_dose", "Never take two doses at once."),
    ],
    "hard words defined where they first appear": [
        ("baclofen", "warning", "Stopping suddenly can cause withdrawal. Withdrawal is what happens when your body "
                                "misses the medicine. It can cause seizures and seeing or hearing things that are "
                                "not there."),
        ("baclofen", "precautions", "Tell your doctor if you have had seizures, a stroke, or psychosis. Psychosis "
                                    "means losing touch with what is real."),
        ("lamotrigine", "how_to_take", "Extended-release (XR) tablets let the medicine out slowly all day. Swallow "
                                       "them whole. Do not chew or crush them."),
        ("lamotrigine", "precautions", "It can make some urine drug tests wrongly show PCP (a street drug). Tell your "
                                       "treatment program you take it."),
    ],
}

CRISIS = ("Thoughts of suicide or hurting yourself? Call or text the crisis line at any time: %(number)s.",
          "Think you or someone else took too much? Call Poison Control right away: %(number)s.")


def _spanish() -> dict[tuple[str | None, str], str]:
    from babel.messages.pofile import read_po

    with open(ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po", encoding="utf-8") as f:
        catalog = read_po(f)
    return {(m.context, m.id): m.string for m in catalog if m.id and not m.fuzzy}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    import subprocess

    from conftest import EXE

    out = tmp_path_factory.mktemp("safety")
    texts = {}
    for drug in ("baclofen", "lamotrigine"):
        for lang in ("en", "es"):
            path = out / f"{drug}-{lang}.pdf"
            subprocess.run([str(EXE), "make", "--drug", drug, "--lang", lang, "--paper", "letter", "--out", str(path)],
                           check=True, capture_output=True)
            texts[(drug, lang)] = flat(" ".join(pdf_text(path)))
    return texts


@pytest.mark.parametrize("gap", list(GAPS))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_safety_fact_is_printed_with_its_action(pages, gap, lang):
    spanish = _spanish() if lang == "es" else {}
    for drug, field, english in GAPS[gap]:
        sentence = english if lang == "en" else spanish[(f"{drug}:{field}", english)]
        assert flat(sentence) in pages[(drug, lang)], f"{drug} ({lang}): {sentence!r} not on the page"


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("drug", ["baclofen", "lamotrigine"])
def test_the_crisis_line_and_poison_control_come_with_their_numbers(pages, drug, lang):
    spanish = _spanish() if lang == "es" else {}
    text = pages[(drug, lang)]
    for english, number in zip(CRISIS, ("988", "1-800-222-1222")):
        sentence = english if lang == "en" else spanish[(None, english)]
        assert flat(sentence.replace("%(number)s", number)) in text, sentence


def test_the_pump_lines_are_one_group_under_their_own_heading(pages):
    text = pages[("baclofen", "en")]
    start = text.index("If you have a baclofen pump • Go to")  # the heading, then its lines
    group = text[start:start + 420]
    for line in ("Go to every refill visit. Never ignore a pump alarm.",
                 "Call the doctor who manages your pump right away if you notice any of these.",
                 "If you have a high fever or confusion, call 911."):
        assert line in group
