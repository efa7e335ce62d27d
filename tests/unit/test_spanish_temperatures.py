"""Spanish temperatures as parents write them: tests/unit/es_temperature_phrasings.yml,
a frozen table written by someone who never saw the reader, read by the real pipeline and triaged.

Each phrasing goes through the project's built spaCy pipeline (entity_ruler + urgent_context),
then the Rasa server's NLU reader (clinical/triage.py's decision) as a fever report, the intent
the Spanish fever examples train.
"""

from pathlib import Path

import pytest
import yaml

from clinical.temperature import TemperatureReading, read_temperature

TABLE = Path(__file__).with_name("es_temperature_phrasings.yml")
PHRASINGS = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["phrasings"]
# the table's decisions are for a threshold of 38.0 °C (its header), the `parse` fixture's


def test_the_table_is_large_enough():
    assert len(PHRASINGS) >= 40


@pytest.mark.parametrize("row", PHRASINGS, ids=[row["text"] for row in PHRASINGS])
def test_spanish_phrasing_is_read_and_triaged(parse, row):
    read = parse(row["text"], "report_fever")
    result, entities = read["triage"], read["entities"]
    assert result["decision"] == row["decision"], entities
    read_celsius = result["reading"] and result["reading"]["celsius"]
    # the table rounds to 0.1 °C
    assert read_celsius == (None if row["celsius"] is None else pytest.approx(row["celsius"], abs=0.051)), entities


@pytest.mark.parametrize(
    "text, celsius, unit, inferred",
    [
        ("38 y 4 décimas", 38.4, "C", True),  # Spain: tenths said after "y"
        ("38 con 2 décimas", 38.2, "C", True),
        ("38 coma cuatro", 38.4, "C", True),
        ("treintayocho grados", 38.0, "C", True),
        ("cuarenta y dos", 42.0, "C", True),
        ("ciento cinco grados", 40.56, "F", True),
        ("37,5 centigrados", 37.5, "C", False),
        ("101 farenheit", 38.33, "F", False),
    ],
)
def test_spanish_readings_beyond_the_table(text, celsius, unit, inferred):
    reading = read_temperature(text)
    assert isinstance(reading, TemperatureReading), reading
    assert (reading.unit, reading.unit_inferred) == (unit, inferred)
    assert reading.celsius == pytest.approx(celsius, abs=0.01)
